import { describe, expect, it } from 'vitest';
import { PolicyEngine, PolicyError } from '../../src/policy/index.ts';

const doc = (condition: string) => `version: 1
resources:
  notes:
    actions: [read]
rules:
  - id: r1
    effect: allow
    resource: notes
    actions: [read]
    condition: ${JSON.stringify(condition)}
bindings:
  - subject: user:u
    roles: [reader]
roles:
  - name: reader
    permissions: []
`;

function issues(condition: string): string[] {
  try {
    PolicyEngine.fromString(doc(condition), 'p.yaml');
  } catch (error) {
    if (error instanceof PolicyError)
      return error.issues.map((i) => `${i.file}:${i.line}:${i.ruleId}: ${i.message}`);
    throw error;
  }
  return [];
}

describe('CEL conditions are checked when the policy loads', () => {
  it('accepts the usual forms: fields, has(), macros with their own variables, std functions', () => {
    for (const ok of [
      'resource.properties.ownerID == subject.id',
      'has(resource.properties.archived) && resource.properties.archived == true',
      'subject.properties.groups.exists(g, g == "admins")',
      '[1, 2].all(x, x > 0) && {"a": 1}["a"] == 1',
      'timestamp(context.time).getHours() < 18 && subject.id.startsWith("u") ? true : false',
      'action.name in ["read"] && size(resource.id) > 0 && !(resource.id == "x")',
    ]) {
      expect(issues(ok), ok).toEqual([]);
    }
  });

  it('rejects unknown variables and functions with file, line and rule', () => {
    expect(issues('resouce.properties.ownerID == subject.id')).toEqual([
      'p.yaml:10:r1: condition: unknown variable "resouce" (use subject, resource, action or context)',
    ]);
    expect(issues('sise(resource.id) > 1')).toEqual(['p.yaml:10:r1: condition: unknown function "sise"']);
    expect(issues('resource.id.nosuch()')).toEqual(['p.yaml:10:r1: condition: unknown function "nosuch"']);
    // A comprehension's variable is not visible outside it.
    expect(issues('[1].all(x, x > 0) && x == 1')[0]).toMatch(/unknown variable "x"/);
  });

  it('limits size and nesting', () => {
    expect(issues(`resource.id == "${'a'.repeat(5000)}"`)[0]).toMatch(/longer than 4096/);
    expect(issues('[[[1]]].all(a, a.all(b, b.all(c, c > 0)))')[0]).toMatch(/nested 3 deep/);
    expect(issues(Array.from({ length: 260 }, () => 'subject.id==1').join('||'))[0]).toMatch(
      /nodes \(limit 1000\)/,
    );
  });

  it('oversized request attributes fail closed at evaluation', () => {
    const engine = PolicyEngine.fromString(doc('resource.properties.ownerID == subject.id'), 'p.yaml');
    const ask = (properties: Record<string, unknown>) =>
      engine.evaluate({
        subject: { type: 'user', id: 'u' },
        resource: { type: 'notes', id: 'n', properties },
        action: { name: 'read' },
      });
    expect(ask({ ownerID: 'u' }).decision).toBe(true);
    const big = ask({ ownerID: 'u', junk: Array.from({ length: 3000 }, (_, i) => i) });
    expect(big).toMatchObject({ decision: false, reason: 'error' });
    let deep: unknown = 'x';
    for (let i = 0; i < 20; i++) deep = { deep };
    expect(ask({ ownerID: 'u', deep }).reason).toBe('error');
  });
});
