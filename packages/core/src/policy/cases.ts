import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import { PolicyError, type PolicyIssue } from './document.ts';
import type { PolicyEngine } from './engine.ts';
import type { Decision, DecisionReason, EvaluationRequest } from './types.ts';

/** One row of a `*.test.yaml` case table. */
export interface PolicyCase {
  name: string;
  request: EvaluationRequest;
  decision: boolean;
  reason?: DecisionReason;
  line: number;
}

export interface PolicyCaseResult {
  file: string;
  name: string;
  line: number;
  passed: boolean;
  expected: { decision: boolean; reason?: DecisionReason };
  actual: Decision;
}

const REASONS = new Set<string>(['allowed', 'denied', 'no_match', 'error']);

/**
 * Parses a case table: `cases: [{ name, request, decision, reason? }]`. The request is passed to
 * the engine as written (malformed requests are legitimate cases: they must be denied).
 */
export function parsePolicyCases(source: string, file = '<string>'): PolicyCase[] {
  const lines = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lines, prettyErrors: false });
  const issues: PolicyIssue[] = [];
  const at = (offset: number | undefined, message: string) => {
    const pos = lines.linePos(offset ?? 0);
    issues.push({ file, line: pos.line, column: pos.col, message });
  };
  for (const e of doc.errors) at(e.pos[0], e.message.split('\n')[0] ?? e.message);
  if (issues.length > 0) throw new PolicyError(issues);
  const seq = doc.get('cases', true);
  if (!isSeq(seq)) {
    at(isMap(doc.contents) ? doc.contents.range[0] : 0, 'a case table needs a "cases" list');
    throw new PolicyError(issues);
  }
  const cases: PolicyCase[] = [];
  for (const [i, node] of seq.items.entries()) {
    const offset = isMap(node) ? node.range?.[0] : undefined;
    const value: unknown = isMap(node) ? node.toJS(doc) : undefined;
    if (typeof value !== 'object' || value === null) {
      at(offset, `case ${i + 1} must be a mapping`);
      continue;
    }
    const c = value as Record<string, unknown>;
    const name = typeof c.name === 'string' && c.name !== '' ? c.name : `case ${i + 1}`;
    if (typeof c.decision !== 'boolean') {
      at(offset, `case "${name}": "decision" must be true or false`);
      continue;
    }
    if (c.reason !== undefined && (typeof c.reason !== 'string' || !REASONS.has(c.reason))) {
      at(offset, `case "${name}": "reason" must be one of ${[...REASONS].join(', ')}`);
      continue;
    }
    if (c.request === undefined) {
      at(offset, `case "${name}": "request" is missing`);
      continue;
    }
    cases.push({
      name,
      request: c.request as EvaluationRequest,
      decision: c.decision,
      ...(c.reason === undefined ? {} : { reason: c.reason as DecisionReason }),
      line: lines.linePos(offset ?? 0).line,
    });
  }
  if (issues.length > 0) throw new PolicyError(issues);
  return cases;
}

export function runPolicyCases(
  engine: PolicyEngine,
  cases: readonly PolicyCase[],
  file = '<string>',
): PolicyCaseResult[] {
  return cases.map((c): PolicyCaseResult => {
    const actual = engine.evaluate(c.request);
    const passed = actual.decision === c.decision && (c.reason === undefined || actual.reason === c.reason);
    return {
      file,
      name: c.name,
      line: c.line,
      passed,
      expected: { decision: c.decision, ...(c.reason === undefined ? {} : { reason: c.reason }) },
      actual,
    };
  });
}
