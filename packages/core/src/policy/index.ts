export { type BatchSemantic, evaluateInOrder } from './batch.ts';
export {
  type PolicyCase,
  type PolicyCaseResult,
  parsePolicyCases,
  runPolicyCases,
} from './cases.ts';
export { CEL_COST } from './cel-cost.ts';
export {
  type BindingDef,
  formatIssue,
  POLICY_SCHEMA_VERSION,
  type PolicyDocument,
  PolicyError,
  type PolicyIssue,
  parsePolicyDocument,
  type ResourceDef,
  type RoleDef,
  type RuleDef,
} from './document.ts';
export {
  PolicyEngine,
  type PolicyEngineCounters,
  type PolicyEngineStats,
  requestShapeError,
  type SubjectGrants,
} from './engine.ts';
export { GrantSet } from './grants.ts';
export {
  caseFiles,
  loadPolicyDir,
  loadPolicyDocuments,
  parsePolicyDocuments,
  policyFiles,
} from './load.ts';
export { type PolicyDocumentRepository, type StoredPolicyDocument, VERSION_CONFLICT } from './store.ts';
export type * from './types.ts';
