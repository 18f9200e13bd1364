import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, createUser, type Harness, strongPassword } from './harness.ts';

/**
 * The AuthZEN 1.0 PDP test plans (authzen-pdp-evaluation / -evaluations), checklist AZ-01..AZ-06,
 * against a real server over a fixture policy document.
 */
const FIXTURE = `
version: 1
resources:
  record:
    actions: [read, write, delete]
roles:
  - name: viewer
    permissions: [record:read]
bindings:
  - subject: user:alice
    roles: [viewer]
  - subject: user:bob
    roles: [viewer]
  - subject: user:carol
    roles: [viewer]
rules:
  - id: admins-by-subject-property
    effect: allow
    resource: record
    actions: [read, write, delete]
    condition: has(subject.properties.role) && subject.properties.role == "admin"
  - id: soft-delete-by-viewers
    effect: allow
    roles: [viewer]
    resource: record
    actions: [delete]
    condition: has(action.properties.method) && action.properties.method == "soft"
  - id: archived-records-read-only
    effect: deny
    resource: record
    actions: [write, delete]
    condition: has(resource.properties.archived) && resource.properties.archived == true
  - id: clearance-check
    effect: allow
    roles: [viewer]
    resource: record
    actions: [write]
    condition: resource.properties.clearance < subject.properties.level
`;

let h: Harness;
let dir: string;
const server = { authorization: 'Bearer test-introspection-secret-0123456789abcdef' };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-authzen-'));
  writeFileSync(join(dir, 'fixture.yaml'), FIXTURE);
  h = await createHarness({ policyDir: dir, loginLimitPerAccountAndIp: 1000, loginLimitPerAccount: 1000 });
});
afterAll(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

const evaluate = (payload: unknown, headers: Record<string, string> = {}) =>
  h.app.inject({
    method: 'POST',
    url: '/access/v1/evaluation',
    headers: { ...server, ...headers },
    payload: payload as Record<string, unknown>,
  });
const evaluations = (payload: unknown) =>
  h.app.inject({
    method: 'POST',
    url: '/access/v1/evaluations',
    headers: server,
    payload: payload as Record<string, unknown>,
  });
const req = (
  subject: string,
  action: string,
  extra: {
    resource?: Record<string, unknown>;
    subject?: Record<string, unknown>;
    action?: Record<string, unknown>;
  } = {},
) => ({
  subject: { type: 'user', id: subject, ...(extra.subject ? { properties: extra.subject } : {}) },
  resource: { type: 'record', id: 'record-1', ...(extra.resource ? { properties: extra.resource } : {}) },
  action: { name: action, ...(extra.action ? { properties: extra.action } : {}) },
});

describe('AZ-01 fixture evaluations', () => {
  it('permit and deny decisions, and decisions based on subject, resource and action properties', async () => {
    const cases: [unknown, boolean][] = [
      [req('alice', 'read'), true],
      [req('bob', 'write'), false],
      [req('bob', 'write', { resource: { archived: true }, subject: { role: 'admin' } }), false],
      [req('alice', 'write', { subject: { role: 'admin' } }), true],
      [req('alice', 'write', { subject: { role: 'user' } }), false],
      [req('dave', 'read', { subject: { role: 'admin' } }), false],
      [req('alice', 'delete', { action: { method: 'soft' } }), true],
      [req('alice', 'delete', { action: { method: 'hard' } }), false],
      [req('alice', 'delete', { action: { method: 'soft' }, resource: { archived: true } }), false],
    ];
    for (const [payload, decision] of cases) {
      const response = await evaluate(payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(200);
      expect(response.json().decision, JSON.stringify(payload)).toBe(decision);
    }
  });
});

describe('AZ-02 fail closed', () => {
  it('unknown subjects, resource types and actions are decision:false at 200', async () => {
    for (const payload of [
      req('nobody', 'read'),
      { ...req('alice', 'read'), resource: { type: 'spaceship', id: '1' } },
      req('alice', 'launch'),
      { ...req('alice', 'read'), subject: { type: 'robot', id: 'alice' } },
    ]) {
      const response = await evaluate(payload);
      expect(response.statusCode).toBe(200);
      expect(response.json().decision).toBe(false);
    }
  });

  it('a CEL runtime error or a missing attribute denies, never allows', async () => {
    // clearance-check reads attributes that are absent, then of the wrong type.
    for (const extra of [{}, { resource: { clearance: 'high' }, subject: { level: 3 } }]) {
      const response = await evaluate(req('carol', 'write', extra));
      expect(response.statusCode).toBe(200);
      expect(response.json().decision).toBe(false);
    }
    expect(
      (await evaluate(req('carol', 'write', { resource: { clearance: 1 }, subject: { level: 3 } }))).json(),
    ).toEqual({ decision: true });
  });

  it('a batch item with no subject is decision:false, the others are answered', async () => {
    const response = await evaluations({
      resource: { type: 'record', id: 'record-1' },
      action: { name: 'read' },
      evaluations: [{ subject: { type: 'user', id: 'alice' } }, {}],
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().evaluations.map((e: { decision: boolean }) => e.decision)).toEqual([true, false]);
  });
});

describe('AZ-03 malformed requests are 400, never a decision', () => {
  const good = req('alice', 'read');
  const bodies: [string, unknown][] = [
    ['missing subject', { resource: good.resource, action: good.action }],
    ['missing action', { subject: good.subject, resource: good.resource }],
    ['missing resource', { subject: good.subject, action: good.action }],
    ['subject without type', { ...good, subject: { id: 'alice' } }],
    ['subject without id', { ...good, subject: { type: 'user' } }],
    ['resource without type', { ...good, resource: { id: 'record-1' } }],
    ['resource without id', { ...good, resource: { type: 'record' } }],
    ['action without name', { ...good, action: {} }],
    ['numeric action name', { ...good, action: { name: 7 } }],
    ['subject as a string', { ...good, subject: 'alice' }],
    ['top-level array', [good]],
  ];
  for (const [name, body] of bodies) {
    it(name, async () => {
      const response = await h.app.inject({
        method: 'POST',
        url: '/access/v1/evaluation',
        headers: { ...server, 'content-type': 'application/json' },
        payload: JSON.stringify(body),
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).not.toHaveProperty('decision');
    });
  }
  for (const [name, payload] of [
    ['empty body', ''],
    ['malformed JSON', '{"subject": {'],
  ] as const) {
    it(name, async () => {
      const response = await h.app.inject({
        method: 'POST',
        url: '/access/v1/evaluation',
        headers: { ...server, 'content-type': 'application/json' },
        payload,
      });
      expect(response.statusCode).toBe(400);
      expect(response.body).not.toContain('decision');
    });
  }
});

describe('AZ-04 transport', () => {
  it('GET and PUT are refused with a 4xx', async () => {
    for (const method of ['GET', 'PUT'] as const) {
      const response = await h.app.inject({ method, url: '/access/v1/evaluation', headers: server });
      expect(response.statusCode).toBe(405);
    }
  });

  it('text/plain is refused; application/json with a charset is accepted', async () => {
    const body = JSON.stringify(req('alice', 'read'));
    const plain = await h.app.inject({
      method: 'POST',
      url: '/access/v1/evaluation',
      headers: { ...server, 'content-type': 'text/plain' },
      payload: body,
    });
    expect(plain.statusCode).toBe(415);
    const charset = await h.app.inject({
      method: 'POST',
      url: '/access/v1/evaluation',
      headers: { ...server, 'content-type': 'application/json; charset=utf-8' },
      payload: body,
    });
    expect(charset.statusCode).toBe(200);
    expect(charset.json()).toEqual({ decision: true });
  });

  it('unknown fields at the top level and inside subject, resource and action are ignored', async () => {
    for (const [payload, decision] of [
      [req('alice', 'read'), true],
      [req('bob', 'write'), false],
    ] as const) {
      const noisy = {
        ...payload,
        unknown_top: { nested: true },
        subject: { ...payload.subject, nickname: 'x' },
        resource: { ...payload.resource, colour: 'blue' },
        action: { ...payload.action, verb: 'GET' },
        context: { time: '2026-11-27T20:00:00Z' },
      };
      const response = await evaluate(noisy);
      expect(response.statusCode).toBe(200);
      expect(response.json().decision).toBe(decision);
    }
    const batch = await evaluations({
      subject: { type: 'user', id: 'alice', extra: 1 },
      evaluations: [{ resource: { type: 'record', id: 'r', x: 1 }, action: { name: 'read', y: 2 }, z: 3 }],
      options: { evaluations_semantic: 'execute_all', vendor_option: true },
      unknown: 'ignored',
    });
    expect(batch.statusCode).toBe(200);
    expect(batch.json()).toEqual({ evaluations: [{ decision: true }] });
  });

  it('echoes X-Request-ID and answers five identical requests identically', async () => {
    const answers = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const response = await evaluate(req('alice', 'delete', { action: { method: 'soft' } }), {
        'x-request-id': 'conformance-42',
      });
      expect(response.headers['x-request-id']).toBe('conformance-42');
      answers.add(response.body);
    }
    expect([...answers]).toEqual(['{"decision":true}']);
  });
});

describe('AZ-05 callers', () => {
  it('no credentials and invalid credentials are 401 with WWW-Authenticate', async () => {
    for (const headers of [
      {},
      { authorization: 'Bearer not-a-valid-token' },
      { authorization: 'Basic Zm9vOmJhcg==' },
    ]) {
      const response = await h.app.inject({
        method: 'POST',
        url: '/access/v1/evaluation',
        headers,
        payload: req('alice', 'read'),
      });
      expect([400, 401]).toContain(response.statusCode);
      if (response.statusCode === 401) expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
    }
    const none = await h.app.inject({
      method: 'POST',
      url: '/access/v1/evaluation',
      payload: req('alice', 'read'),
    });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    const invalid = await h.app.inject({
      method: 'POST',
      url: '/access/v1/evaluation',
      headers: { authorization: 'Bearer not-a-valid-token' },
      payload: req('alice', 'read'),
    });
    expect(invalid.statusCode).toBe(401);
    expect(invalid.headers['www-authenticate']).toMatch(/^Bearer.*invalid_token/);
  });

  it('an ordinary user asking about another subject gets 403, in single and batch requests', async () => {
    const pw = strongPassword();
    await createUser(h, 'plain@example.test', pw);
    const login = await h.app.inject({
      method: 'POST',
      url: '/login',
      payload: { email: 'plain@example.test', password: pw, mode: 'token' },
    });
    const bearer = { authorization: `Bearer ${login.json().access_token}` };
    const other = await h.app.inject({
      method: 'POST',
      url: '/access/v1/evaluation',
      headers: bearer,
      payload: req('alice', 'read'),
    });
    expect(other.statusCode).toBe(403);
    expect(other.json()).not.toHaveProperty('decision');
    const batch = await h.app.inject({
      method: 'POST',
      url: '/access/v1/evaluations',
      headers: bearer,
      payload: {
        resource: { type: 'record', id: '1' },
        action: { name: 'read' },
        subject: { type: 'user', id: 'alice' },
      },
    });
    expect(batch.statusCode).toBe(403);
  });
});

describe('AZ-05 an access token with the authz scope is an enforcement point', () => {
  it('may ask about any subject', async () => {
    const user = await createUser(h, 'pep-client@example.test', strongPassword());
    const { JwtAccessTokenMinter } = await import('../src/tokens/access-token-minter.ts');
    const mint = (scope: string) =>
      new JwtAccessTokenMinter({
        keys: h.gatehouse.keyRing,
        issuer: h.config.issuer,
        audience: h.config.tokenAudience,
        ttlSeconds: 300,
        now: () => Date.now(),
      }).mint({ subject: user.id, clientId: 'gateway', scope, sessionId: 'none' });
    const ask = async (token: string) =>
      (
        await h.app.inject({
          method: 'POST',
          url: '/access/v1/evaluation',
          headers: { authorization: `Bearer ${token}` },
          payload: req('alice', 'read'),
        })
      ).statusCode;
    expect(await ask((await mint('authz')).token)).toBe(200);
    expect(await ask((await mint('openid notes:read')).token)).toBe(403);
  });
});

describe('AZ-06 batch semantics', () => {
  const items = [
    { action: { name: 'read' } },
    { action: { name: 'write' } },
    { action: { name: 'read' }, subject: { type: 'user', id: 'bob' } },
  ];
  const base = { subject: { type: 'user', id: 'alice' }, resource: { type: 'record', id: 'record-1' } };
  const decisions = async (options?: Record<string, unknown>) => {
    const response = await evaluations({ ...base, evaluations: items, ...(options ? { options } : {}) });
    expect(response.statusCode).toBe(200);
    return response.json().evaluations.map((e: { decision: boolean }) => e.decision);
  };

  it('the default semantic is execute_all, one decision per item in order', async () => {
    expect(await decisions()).toEqual([true, false, true]);
    expect(await decisions({ evaluations_semantic: 'execute_all' })).toEqual([true, false, true]);
  });
  it('deny_on_first_deny and permit_on_first_permit truncate', async () => {
    expect(await decisions({ evaluations_semantic: 'deny_on_first_deny' })).toEqual([true, false]);
    expect(await decisions({ evaluations_semantic: 'permit_on_first_permit' })).toEqual([true]);
  });
  it('an unknown semantic is 400', async () => {
    const response = await evaluations({
      ...base,
      evaluations: items,
      options: { evaluations_semantic: 'maybe' },
    });
    expect(response.statusCode).toBe(400);
  });
  it('per-item values override the top-level defaults (subject, resource, action, context)', async () => {
    const response = await evaluations({
      ...base,
      action: { name: 'write' },
      evaluations: [
        {},
        { action: { name: 'read' } },
        { resource: { type: 'spaceship', id: '1' }, action: { name: 'read' } },
        { subject: { type: 'user', id: 'bob', properties: { role: 'admin' } } },
      ],
    });
    expect(response.json().evaluations.map((e: { decision: boolean }) => e.decision)).toEqual([
      false,
      true,
      false,
      true,
    ]);
  });
  it('a missing or empty evaluations array gives a single-decision response', async () => {
    const single = { ...base, action: { name: 'read' } };
    expect((await evaluations(single)).json()).toEqual({ decision: true });
    expect((await evaluations({ ...single, evaluations: [] })).json()).toEqual({ decision: true });
  });
});

describe('sampled decision log', () => {
  it('logs sampled decisions with request id, policy version and rule, never properties or context', async () => {
    const logged = await createHarness({ policyDir: dir, decisionLogSampleRate: 1 });
    try {
      await logged.app.inject({
        method: 'POST',
        url: '/access/v1/evaluation',
        headers: { ...server, 'x-request-id': 'log-me-1' },
        payload: {
          ...req('alice', 'delete', { action: { method: 'soft' }, resource: { secretNote: 'do-not-log' } }),
          context: { ip: '203.0.113.9' },
        },
      });
      const line = logged.logs.find((l) => l.includes('"authz decision"') && l.includes('log-me-1'));
      expect(line).toBeDefined();
      const entry = JSON.parse(line!).decisionLog;
      expect(entry).toMatchObject({
        requestId: 'log-me-1',
        decision: true,
        rule: 'soft-delete-by-viewers',
        subject: 'user:alice',
        resource: 'record:record-1',
        action: 'delete',
      });
      expect(entry.policyVersion).toMatch(/^v1-/);
      expect(line).not.toContain('do-not-log');
      expect(line).not.toContain('203.0.113.9');
      expect(line).not.toContain('test-introspection-secret');
    } finally {
      await logged.close();
    }
  });

  it('at rate 0 only evaluation errors are logged', async () => {
    const quiet = await createHarness({ policyDir: dir, decisionLogSampleRate: 0 });
    try {
      await quiet.app.inject({
        method: 'POST',
        url: '/access/v1/evaluation',
        headers: server,
        payload: req('alice', 'read'),
      });
      await quiet.app.inject({
        method: 'POST',
        url: '/access/v1/evaluation',
        headers: server,
        payload: req('carol', 'write'),
      });
      const lines = quiet.logs
        .filter((l) => l.includes('"authz decision"'))
        .map((l) => JSON.parse(l).decisionLog);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({
        reason: 'error',
        decision: false,
        rule: 'clearance-check',
        sampled: false,
      });
    } finally {
      await quiet.close();
    }
  });
});
