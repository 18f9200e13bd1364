/** API-managed policy documents (migration 0005_policies). */
export interface PolicyDocumentsTable {
  name: string;
  source: string;
  version: number;
  updated_at: number;
  updated_by: string | null;
}

export interface PolicyTables {
  policy_documents: PolicyDocumentsTable;
}
