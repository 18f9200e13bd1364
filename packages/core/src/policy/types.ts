/** AuthZEN-shaped evaluation request (Authorization API 1.0, section 6). */
export interface PolicyEntity {
  type: string;
  id: string;
  properties?: Record<string, unknown>;
}

export interface PolicyAction {
  name: string;
  properties?: Record<string, unknown>;
}

export interface EvaluationRequest {
  subject: PolicyEntity;
  resource: PolicyEntity;
  action: PolicyAction;
  context?: Record<string, unknown>;
}

export type DecisionReason = 'allowed' | 'denied' | 'no_match' | 'error';

export interface TraceEntry {
  /** Rule id, `role:<name>` for an RBAC grant, or `request` / `schema` for request-level checks. */
  rule: string;
  effect: 'allow' | 'deny';
  matched: boolean;
  error?: string;
}

export interface Decision {
  decision: boolean;
  reason: DecisionReason;
  trace: TraceEntry[];
  policyVersion: string;
  /** CEL cost units the decision's conditions spent (deterministic; see CEL_COST). */
  cost?: number;
}

/** Where a policy element was written: file, 1-based line and column. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}
