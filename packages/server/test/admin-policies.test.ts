import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CEL_COST, PolicyError } from '@gatehouse/core';
import { postgresUrlOrSkip, redisUrlOrSkip } from '@gatehouse/testkit';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { celCondition, NOTES_SCHEMA, notesRequest } from '../../core/test/policy/cel-grammar.ts';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  createHarness,
  createUser,
  type Harness,
  type LoggedIn,
  login,
  strongPassword,
} from './harness.ts';

const DOC = `version: 1
resources:
  reports:
    actions: [read, publish]
roles:
  - name: analyst
    permissions: [reports:read]
bindings:
  - subject: user:ana
    roles: [analyst]
rules:
  - id: analysts-publish-drafts
    effect: allow
    roles: [analyst]
    resource: reports
    actions: [publish]
    condition: resource.properties.status == "draft"
`;
const BROKEN = `version: 1
roles:
  - name: analyst
    permissions: [reports:read]
rules:
  - id: bad-cel
    effect: allow
    resource: reports
    actions: [read]
    condition: resource.properties.status ==
`;

const server = { authorization: 'Bearer test-introspection-secret-0123456789abcdef' };
const ask = async (h: Harness, status: string, action = 'publish', subject = 'ana') =>
  (
    await h.app.inject({
      method: 'POST',
      url: '/access/v1/evaluation',
      headers: server,
      payload: {
        subject: { type: 'user', id: subject },
        resource: { type: 'reports', id: 'r1', properties: { status } },
        action: { name: action },
      },
    })
  ).json().decision as boolean;

describe('policy documents through the admin API', () => {
  let h: Harness;
  let admin: LoggedIn;
  const write = (
    method: 'PUT' | 'DELETE',
    name: string,
    source?: string,
    headers: Record<string, string> = {},
  ) =>
    h.app.inject({
      method,
      url: `/admin/v1/policies/${name}`,
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, ...headers },
      ...(source === undefined ? {} : { payload: { source } }),
    });

  beforeAll(async () => {
    h = await createHarness();
    admin = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
  });
  afterAll(() => h.close());

  it('put, get, list and delete a document; decisions follow at once', async () => {
    expect(await ask(h, 'draft')).toBe(false);
    const created = await write('PUT', 'reports', DOC);
    expect(created.statusCode).toBe(201);
    expect(created.headers.etag).toBe('"1"');
    expect(created.json()).toMatchObject({ name: 'reports', version: 1 });
    expect(await ask(h, 'draft')).toBe(true);
    expect(await ask(h, 'final')).toBe(false);
    const got = await h.app.inject({
      method: 'GET',
      url: '/admin/v1/policies/reports',
      headers: { cookie: admin.cookie },
    });
    expect(got.json()).toMatchObject({ name: 'reports', version: 1, source: DOC });
    const list = await h.app.inject({
      method: 'GET',
      url: '/admin/v1/policies',
      headers: { cookie: admin.cookie },
    });
    expect(list.json()).toMatchObject({ directory: [], documents: [{ name: 'reports', version: 1 }] });
    expect(list.json().policy_version).toMatch(/^v1-/);
    const replaced = await write('PUT', 'reports', DOC.replace('"draft"', '"review"'), { 'if-match': '"1"' });
    expect(replaced.statusCode).toBe(200);
    expect(replaced.headers.etag).toBe('"2"');
    expect(await ask(h, 'draft')).toBe(false);
    expect(await ask(h, 'review')).toBe(true);
    expect((await write('DELETE', 'reports')).statusCode).toBe(204);
    expect(await ask(h, 'review')).toBe(false);
    expect((await write('DELETE', 'reports')).statusCode).toBe(404);
  });

  it('an invalid document is a 400 problem naming document, line and rule, and changes nothing', async () => {
    const response = await write('PUT', 'broken', BROKEN);
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    const body = response.json();
    expect(body.errors[0]).toMatchObject({ document: 'broken', line: 10, rule: 'bad-cel' });
    expect(body.errors[0].message).toMatch(/condition/);
    expect(
      (
        await h.app.inject({
          method: 'GET',
          url: '/admin/v1/policies/broken',
          headers: { cookie: admin.cookie },
        })
      ).statusCode,
    ).toBe(404);
    const duplicate = await write('PUT', 'a', DOC);
    expect(duplicate.statusCode).toBe(201);
    const clash = await write('PUT', 'b', DOC);
    expect(clash.statusCode).toBe(400);
    expect(clash.json().errors.some((e: { message: string }) => /already defined/.test(e.message))).toBe(
      true,
    );
    expect((await write('DELETE', 'a')).statusCode).toBe(204);
  });

  it('If-Match and If-None-Match make writes conditional (409 on a stale version)', async () => {
    expect((await write('PUT', 'cond', DOC, { 'if-none-match': '*' })).statusCode).toBe(201);
    expect((await write('PUT', 'cond', DOC, { 'if-none-match': '*' })).statusCode).toBe(409);
    expect((await write('PUT', 'cond', DOC, { 'if-match': '"7"' })).statusCode).toBe(409);
    expect((await write('PUT', 'cond', DOC, { 'if-match': 'nonsense' })).statusCode).toBe(400);
    expect((await write('DELETE', 'cond', undefined, { 'if-match': '"9"' })).statusCode).toBe(409);
    expect((await write('DELETE', 'cond', undefined, { 'if-match': '"1"' })).statusCode).toBe(204);
  });

  it('every change is audited with the document before and after', async () => {
    await write('PUT', 'audited', DOC);
    await write('PUT', 'audited', DOC.replace('"draft"', '"x"'));
    await write('DELETE', 'audited');
    const events = await h.gatehouse.storage.audit.list({ limit: 50, subjectId: 'audited' });
    const put = events.filter((e) => e.type === 'policy.put');
    expect(put).toHaveLength(2);
    const second = put.find((e) => e.details.version_after === 2)!;
    expect(second.details.before).toBe(DOC);
    expect(second.details.after).toBe(DOC.replace('"draft"', '"x"'));
    expect(second.actorId).toBe(admin.userId);
    const deleted = events.find((e) => e.type === 'policy.deleted')!;
    expect(deleted.details).toMatchObject({ before: DOC.replace('"draft"', '"x"'), after: null });
  });

  it('role changes are audited with before and after too', async () => {
    const user = await createUser(h, 'audit-roles@example.test', strongPassword());
    await h.gatehouse.accounts.upsertRole({ name: 'clerk', permissions: ['reports:read'] });
    await h.gatehouse.accounts.grantRole(user.id, 'clerk');
    await h.gatehouse.accounts.revokeRole(user.id, 'clerk');
    await h.gatehouse.accounts.deleteRole('clerk');
    const mine = await h.gatehouse.storage.audit.list({ limit: 10, subjectId: user.id });
    expect(mine.find((e) => e.type === 'role.granted')!.details).toMatchObject({
      before: '',
      after: 'clerk',
    });
    expect(mine.find((e) => e.type === 'role.revoked')!.details).toMatchObject({
      before: 'clerk',
      after: '',
    });
    const role = await h.gatehouse.storage.audit.list({ limit: 10, subjectId: 'clerk' });
    expect(role.find((e) => e.type === 'role.deleted')!.details).toMatchObject({
      before: 'reports:read',
      after: null,
    });
  });

  it('explains a decision to operators: every rule, its outcome and the policy version', async () => {
    const headers = { cookie: admin.cookie, 'x-csrf-token': admin.csrf };
    const explain = (payload: object) =>
      h.app.inject({ method: 'POST', url: '/admin/v1/policies/explain', headers, payload });
    const request = {
      subject: { type: 'user', id: 'ana' },
      resource: { type: 'reports', id: 'r1', properties: { status: 'draft' } },
      action: { name: 'publish' },
    };
    expect((await explain(request)).statusCode).toBe(409); // no documents yet
    await write('PUT', 'explained', DOC);
    const allowed = await explain(request);
    expect(allowed.statusCode).toBe(200);
    expect(allowed.json()).toMatchObject({
      decision: true,
      reason: 'allowed',
      trace: [{ rule: 'analysts-publish-drafts', effect: 'allow', matched: true }],
      policy_version: expect.stringMatching(/^v1-/),
    });
    const missing = await explain({ ...request, resource: { type: 'reports', id: 'r1' } });
    expect(missing.json()).toMatchObject({
      decision: false,
      reason: 'error',
      trace: [{ rule: 'analysts-publish-drafts', error: expect.any(String) }],
    });
    await write('DELETE', 'explained');
  });

  it('needs policies:read / policies:write', async () => {
    const pw = strongPassword();
    await createUser(h, 'nobody-policies@example.test', pw);
    const user = await login(h.app, 'nobody-policies@example.test', pw);
    expect(
      (await h.app.inject({ method: 'GET', url: '/admin/v1/policies', headers: { cookie: user.cookie } }))
        .statusCode,
    ).toBe(403);
    expect((await h.app.inject({ method: 'GET', url: '/admin/v1/policies' })).statusCode).toBe(401);
    const explain = await h.app.inject({
      method: 'POST',
      url: '/admin/v1/policies/explain',
      headers: { cookie: user.cookie, 'x-csrf-token': user.csrf },
      payload: {
        subject: { type: 'user', id: 'a' },
        resource: { type: 'r', id: '1' },
        action: { name: 'x' },
      },
    });
    expect(explain.statusCode).toBe(403);
  });
});

describe('with GATEHOUSE_POLICY_DIR the directory is a read-only base', () => {
  let h: Harness;
  let dir: string;
  let admin: LoggedIn;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-policies-'));
    writeFileSync(join(dir, 'base.yaml'), DOC);
    h = await createHarness({ policyDir: dir });
    admin = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('API documents add to the directory and are validated against it', async () => {
    const headers = { cookie: admin.cookie, 'x-csrf-token': admin.csrf };
    const list = await h.app.inject({ method: 'GET', url: '/admin/v1/policies', headers });
    expect(list.json().directory).toEqual(['base.yaml']);
    const clash = await h.app.inject({
      method: 'PUT',
      url: '/admin/v1/policies/extra',
      headers,
      payload: { source: DOC },
    });
    expect(clash.statusCode).toBe(400);
    const extra = `version: 1
bindings:
  - subject: user:bo
    roles: [analyst]
`;
    expect(
      (
        await h.app.inject({
          method: 'PUT',
          url: '/admin/v1/policies/extra',
          headers,
          payload: { source: extra },
        })
      ).statusCode,
    ).toBe(201);
    expect(await ask(h, 'draft', 'publish', 'bo')).toBe(true);
    expect(await ask(h, 'draft', 'publish', 'ana')).toBe(true);
  });
});

/** A notes policy whose rules (ids rule-0, rule-1, …) allow `read` under each condition. */
const notesPolicy = (conditions: string[]) => `version: 1
${NOTES_SCHEMA}roles:
  - name: reader
    permissions: []
bindings:
  - subject: user:alice
    roles: [reader]
  - subject: user:a
    roles: [reader]
rules:
${conditions
  .map(
    (c, i) => `  - id: rule-${i}
    effect: allow
    resource: notes
    actions: [read]
    condition: ${JSON.stringify(c)}
`,
  )
  .join('')}`;

describe('issue 25 #5: policies through the admin API are untrusted input', () => {
  let h: Harness;
  let admin: LoggedIn;
  const headers = () => ({ cookie: admin.cookie, 'x-csrf-token': admin.csrf });
  const put = (name: string, source: string) =>
    h.app.inject({
      method: 'PUT',
      url: `/admin/v1/policies/${name}`,
      headers: headers(),
      payload: { source },
    });
  const explain = (payload: object) =>
    h.app.inject({ method: 'POST', url: '/admin/v1/policies/explain', headers: headers(), payload });

  beforeAll(async () => {
    h = await createHarness();
    admin = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
  });
  afterAll(() => h.close());

  it('issue 25 #5: a condition that does not type-check is refused at PUT with the rule and the reason', async () => {
    const response = await put('typed', notesPolicy(['resource.properties.ownerID + 1 == 2']));
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    const body = response.json();
    expect(body.errors).toEqual([
      {
        document: 'typed',
        line: 23,
        column: 16,
        rule: 'rule-0',
        message:
          'condition: type error: no matching overload for \'_+_\' applied to (string, int) (resource type "notes")',
      },
    ]);
    expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+/); // no stack
    expect(
      (await h.app.inject({ method: 'GET', url: '/admin/v1/policies/typed', headers: headers() })).statusCode,
    ).toBe(404);
  });

  it('issue 25 #5: an expensive condition is refused at PUT with its estimated cost', async () => {
    for (const condition of [
      'context.l.exists(x, context.l.exists(y, x == y))',
      'context.l.exists(x, context.s.matches("(a|b)*c"))',
      'resource.properties.ownerID.matches(context.s)',
      'context.l.map(x, x + x).size() > 0',
    ]) {
      const response = await put('dear', notesPolicy(['true', condition]));
      expect(response.statusCode, condition).toBe(400);
      expect(response.json().errors).toEqual([
        expect.objectContaining({
          document: 'dear',
          rule: 'rule-1',
          message: expect.stringMatching(
            new RegExp(
              `^condition: estimated worst-case cost \\d+ exceeds the limit of ${CEL_COST.maxExpressionCost} units`,
            ),
          ),
        }),
      ]);
    }
  });

  it('issue 25 #5: a request that is expensive at run time stays within the budget, is denied and counted', async () => {
    const conditions = Array.from({ length: 40 }, (_, i) => `context.l.exists(x, x == "never-${i}")`);
    expect((await put('budget', notesPolicy([...conditions, 'true']))).statusCode).toBe(201);
    const request = (l: string[]) => ({
      subject: { type: 'user', id: 'alice' },
      resource: { type: 'notes', id: 'n1', properties: { ownerID: 'alice' } },
      action: { name: 'read' },
      context: { l },
    });
    const cheap = await explain(request(['a']));
    expect(cheap.json()).toMatchObject({ decision: true, reason: 'allowed' });
    const long = Array.from({ length: 1990 }, (_, i) => `v${i}`);
    const dear = (await explain(request(long))).json();
    expect(dear).toMatchObject({ decision: false, reason: 'error' });
    expect(dear.cost).toBeLessThanOrEqual(CEL_COST.maxDecisionCost + 1);
    expect(dear.trace.some((t: { error?: string }) => t.error?.includes('cost budget exceeded'))).toBe(true);
    // The AuthZEN endpoint denies it too.
    const authzen = await h.app.inject({
      method: 'POST',
      url: '/access/v1/evaluation',
      headers: server,
      payload: request(long),
    });
    expect(authzen.json().decision).toBe(false);
    const list = await h.app.inject({ method: 'GET', url: '/admin/v1/policies', headers: headers() });
    expect(list.json().failed_closed).toEqual({ evaluation_errors: 2, budget_exceeded: 2 });
    expect(
      (await h.app.inject({ method: 'DELETE', url: '/admin/v1/policies/budget', headers: headers() }))
        .statusCode,
    ).toBe(204);
  });

  it('issue 25 #5: fuzz: random CEL policies through PUT; every accepted policy decides within the budget and every error denies', async () => {
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(celCondition, { minLength: 1, maxLength: 3 }),
        fc.array(notesRequest, { minLength: 1, maxLength: 3 }),
        async (conditions, requests) => {
          const response = await put('fuzz', notesPolicy(conditions));
          if (response.statusCode === 400) {
            refused++;
            for (const error of response.json().errors) {
              expect(error).toMatchObject({ document: 'fuzz', rule: expect.stringMatching(/^rule-\d$/) });
              expect(error.message).toMatch(/^condition: /);
            }
            return;
          }
          expect([200, 201]).toContain(response.statusCode);
          accepted++;
          for (const request of requests) {
            const decision = (await explain(request)).json();
            expect(decision.cost).toBeLessThanOrEqual(CEL_COST.maxDecisionCost);
            if (decision.reason === 'error') expect(decision.decision).toBe(false);
            // An erroring rule never allows: the decision is an allow only through a rule that matched.
            if (decision.decision)
              expect(
                decision.trace.some(
                  (t: { matched: boolean; error?: string }) => t.matched && t.error === undefined,
                ),
              ).toBe(true);
          }
        },
      ),
      { numRuns: 60, seed: 2505 },
    );
    expect(accepted).toBeGreaterThan(5);
    expect(refused).toBeGreaterThan(5);
  });

  it('issue 25 #5: GATEHOUSE_POLICY_DIR with an expensive condition refuses to start, naming file:line:column', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-policies-'));
    try {
      writeFileSync(
        join(dir, 'dear.yaml'),
        notesPolicy(['context.l.exists(x, context.l.exists(y, x == y))']),
      );
      const started = createHarness({ policyDir: dir });
      await expect(started).rejects.toBeInstanceOf(PolicyError);
      await expect(started).rejects.toThrow(
        /dear\.yaml:23:16: rule "rule-0": condition: estimated worst-case cost/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const postgresUrl = await postgresUrlOrSkip();
const redisUrl = await redisUrlOrSkip();
describe.skipIf(postgresUrl === undefined || redisUrl === undefined)(
  'propagation between nodes (PostgreSQL + Redis)',
  () => {
    const schema = `gh_policies_${randomBytes(4).toString('hex')}`;
    const nodes: Harness[] = [];
    beforeAll(async () => {
      const shared = {
        databaseUrl: postgresUrl,
        redisUrl,
        redisPrefix: `${schema}:`,
        secret: randomBytes(32).toString('base64url'),
      };
      for (let i = 0; i < 2; i++) nodes.push(await createHarness(shared, { databaseSchema: schema }));
    });
    afterAll(async () => {
      for (const node of nodes) await node.close();
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    });

    it('a document put on node A decides on node B within 1 s, and so does its deletion', async () => {
      const [a, b] = nodes as [Harness, Harness];
      const admin = await login(a.app, ADMIN_EMAIL, ADMIN_PASSWORD);
      const headers = { cookie: admin.cookie, 'x-csrf-token': admin.csrf };
      const until = async (predicate: () => Promise<boolean>) => {
        const started = performance.now();
        while (performance.now() - started < 3000) {
          if (await predicate()) return performance.now() - started;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        return Number.POSITIVE_INFINITY;
      };
      const put = await a.app.inject({
        method: 'PUT',
        url: '/admin/v1/policies/reports',
        headers,
        payload: { source: DOC },
      });
      expect(put.statusCode).toBe(201);
      expect(await until(() => ask(b, 'draft'))).toBeLessThan(1000);
      expect(
        (await a.app.inject({ method: 'DELETE', url: '/admin/v1/policies/reports', headers })).statusCode,
      ).toBe(204);
      expect(await until(async () => !(await ask(b, 'draft')))).toBeLessThan(1000);
    });
  },
);
