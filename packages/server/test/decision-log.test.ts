import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DecisionLog } from '../src/authz/decision-log.ts';
import type { AccessRequest } from '../src/authz/decision-point.ts';
import { createLogger } from '../src/logger.ts';

const request: AccessRequest = {
  subject: { type: 'user', id: 'alice', properties: { secretish: 'never logged' } },
  resource: { type: 'notes', id: 'n-1' },
  action: { name: 'read' },
  context: { ip: '203.0.113.9' },
};

function logWith(sampleRate: number, draws: number[]) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      callback();
    },
  });
  let calls = 0;
  const log = new DecisionLog(createLogger('info', sink), sampleRate, () => draws[calls++] ?? 1);
  return { log, lines, draws: () => calls };
}

describe('the decision log', () => {
  it('samples a share of the decisions with one draw each, and every error without one', () => {
    const half = logWith(0.5, [0.4, 0.5, 0.6, 0.1]);
    expect([0, 1, 2, 3].map(() => half.log.sampled('allowed'))).toEqual([true, false, false, true]);
    expect(half.draws()).toBe(4);
    expect(half.log.sampled('error')).toBe(true);
    expect(half.draws()).toBe(4);
    const none = logWith(0, [0]);
    expect(none.log.sampled('denied')).toBe(false);
    expect(none.log.sampled('error')).toBe(true);
    expect(none.draws()).toBe(0);
  });

  it('writes identifiers, never properties or context', () => {
    const { log, lines } = logWith(1, [0]);
    log.record({
      requestId: 'r-9',
      request,
      decision: true,
      reason: 'allowed',
      rule: 'owner-may-read',
      policyVersion: 'v1',
    });
    log.record({
      requestId: 'r-10',
      request,
      decision: false,
      reason: 'error',
      rule: undefined,
      policyVersion: 'v1',
    });
    expect(lines.map((l) => l.msg)).toEqual(['authz decision', 'authz decision']);
    expect(lines[0]?.decisionLog).toEqual({
      requestId: 'r-9',
      policyVersion: 'v1',
      decision: true,
      reason: 'allowed',
      rule: 'owner-may-read',
      subject: 'user:alice',
      resource: 'notes:n-1',
      action: 'read',
      sampled: true,
    });
    expect(lines[1]?.decisionLog).toMatchObject({ reason: 'error', sampled: false });
    expect(JSON.stringify(lines)).not.toContain('never logged');
    expect(JSON.stringify(lines)).not.toContain('203.0.113.9');
  });
});
