/**
 * A tiny Gatehouse for the guard's tests, on node:http: JWKS, the revocation feed (catch-up and
 * SSE stream), permission and session introspection — the contract the guard implements — plus a
 * listener that counts requests (to prove a `jku`/`x5u` header was never followed). Tokens are
 * minted with jose `SignJWT` (ES256) or signed by hand for shapes `SignJWT` refuses to make.
 */
import { KeyObject, type KeyObject as NodeKeyObject, randomUUID, sign } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GuardError } from '@gatehouse/guard';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

export const AUDIENCE = 'https://notes.test';
export const SECRET = 's'.repeat(40);

export interface TestKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly nodeKey: NodeKeyObject;
  readonly jwk: JWK;
}

export async function makeKey(kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  return { kid, privateKey, nodeKey: KeyObject.from(privateKey), jwk };
}

export interface WireEntry {
  seq: number;
  type: string;
  value: string;
  at: number;
  expires_at: number;
}

export interface SessionAnswer {
  sub: string;
  sid: string;
  permissions: string[];
  kind?: 'user' | 'service';
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);
const b64 = (value: string | Uint8Array) => Buffer.from(value).toString('base64url');

export class StubGatehouse {
  readonly server: Server;
  url = '';
  keys: TestKey[] = [];
  /** Keys served at the JWKS endpoint (default: all of `keys`). */
  published: JWK[] | undefined;
  readonly entries: WireEntry[] = [];
  readonly permissions = new Map<string, string[] | 'inactive' | 'broken'>();
  readonly sessions = new Map<string, SessionAnswer>();
  readonly log: string[] = [];
  jwksRequests = 0;
  evilRequests = 0;
  /** Status to answer on `/revocations` (catch-up) instead of the entries. */
  revocationsStatus = 200;
  streamStatus = 200;
  readonly streams = new Set<ServerResponse>();
  #seq = 0;

  private constructor() {
    this.server = createServer((request, response) => void this.#handle(request, response));
  }

  static async start(): Promise<StubGatehouse> {
    const stub = new StubGatehouse();
    stub.keys.push(await makeKey('key-1'));
    await new Promise<void>((resolve) => stub.server.listen(0, '127.0.0.1', resolve));
    stub.url = `http://127.0.0.1:${(stub.server.address() as AddressInfo).port}`;
    return stub;
  }

  get issuer(): string {
    return this.url;
  }

  get key(): TestKey {
    return this.keys[0]!;
  }

  /** Appends a feed entry and pushes it to every open stream. */
  revoke(type: string, value: string, options: { at?: number; expiresAt?: number } = {}): WireEntry {
    const at = options.at ?? nowSeconds();
    const entry = { seq: ++this.#seq, type, value, at, expires_at: options.expiresAt ?? at + 900 };
    this.entries.push(entry);
    for (const stream of this.streams)
      stream.write(`id: ${entry.seq}\nevent: revocation\ndata: ${JSON.stringify(entry)}\n\n`);
    return entry;
  }

  /** Adds entries to the log without pushing them (as if appended while nobody listened). */
  appendSilently(count: number, type = 'jti'): void {
    for (let i = 0; i < count; i++)
      this.entries.push({
        seq: ++this.#seq,
        type,
        value: `bulk-${this.#seq}`,
        at: nowSeconds(),
        expires_at: nowSeconds() + 900,
      });
  }

  ping(): void {
    for (const stream of this.streams) stream.write(': ping\n\n');
  }

  /** Ends every stream as a node that shuts down does: `retry`, `event: reconnect`, end. */
  handOffStreams(retryMs: number): void {
    for (const stream of this.streams) stream.end(`retry: ${retryMs}\nevent: reconnect\ndata: shutdown\n\n`);
    this.streams.clear();
  }

  dropStreams(): void {
    for (const stream of this.streams) stream.destroy();
    this.streams.clear();
  }

  /** Mints an access token; `undefined` in `claims` removes a default claim. */
  async mint(
    claims: Record<string, unknown> = {},
    options: { header?: Record<string, unknown>; key?: TestKey } = {},
  ): Promise<string> {
    const key = options.key ?? this.key;
    const now = nowSeconds();
    const payload: Record<string, unknown> = {
      iss: this.issuer,
      sub: 'user-1',
      aud: AUDIENCE,
      iat: now,
      exp: now + 300,
      jti: randomUUID(),
      client_id: 'notes-spa',
      scope: 'notes:read',
      sid: 'session-1',
      ...claims,
    };
    for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: key.kid, ...options.header } as { alg: string })
      .sign(key.privateKey);
  }

  /** Signs arbitrary header and payload text with ES256 (for shapes SignJWT will not produce). */
  signRaw(header: Record<string, unknown> | string, payload: string, key: TestKey = this.key): string {
    const input = `${b64(typeof header === 'string' ? header : JSON.stringify(header))}.${b64(payload)}`;
    const signature = sign('sha256', Buffer.from(input), { key: key.nodeKey, dsaEncoding: 'ieee-p1363' });
    return `${input}.${b64(signature)}`;
  }

  async close(): Promise<void> {
    this.dropStreams();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.url);
    this.log.push(`${request.method} ${url.pathname}${url.search}`);
    if (url.pathname.startsWith('/evil/')) {
      this.evilRequests++;
      return json(response, 200, { keys: [] });
    }
    if (url.pathname === '/.well-known/jwks.json') {
      this.jwksRequests++;
      return json(response, 200, { keys: this.published ?? this.keys.map((k) => k.jwk) });
    }
    if (request.headers.authorization !== `Bearer ${SECRET}`) return json(response, 401, { title: 'no' });
    const after = Number(url.searchParams.get('after') ?? 0);
    if (url.pathname === '/revocations') {
      if (this.revocationsStatus !== 200) return json(response, this.revocationsStatus, {});
      const page = this.entries.filter((e) => e.seq > after).slice(0, 1000);
      return json(response, 200, { entries: page, cursor: page.at(-1)?.seq ?? after });
    }
    if (url.pathname === '/revocations/stream') {
      if (this.streamStatus !== 200) return json(response, this.streamStatus, {});
      response.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
      });
      for (const entry of this.entries.filter((e) => e.seq > after))
        response.write(`id: ${entry.seq}\nevent: revocation\ndata: ${JSON.stringify(entry)}\n\n`);
      response.write(': ready\n\n');
      this.streams.add(response);
      response.on('close', () => this.streams.delete(response));
      return;
    }
    const body = JSON.parse((await readBody(request)) || '{}') as Record<string, unknown>;
    if (url.pathname === '/permissions/introspect') {
      const sub = String(body.sub);
      const granted = this.permissions.get(sub);
      if (granted === 'broken') return json(response, 500, {});
      if (granted === undefined || granted === 'inactive') return json(response, 200, { active: false });
      return json(response, 200, { active: true, sub, permissions: granted });
    }
    if (url.pathname === '/session/introspect') {
      const session = this.sessions.get(String(body.token));
      if (session === undefined) return json(response, 200, { active: false });
      return json(response, 200, {
        active: true,
        sub: session.sub,
        kind: session.kind ?? 'user',
        sid: session.sid,
        auth_time: nowSeconds() - 60,
        exp: nowSeconds() + 3600,
        permissions: session.permissions,
      });
    }
    json(response, 404, {});
  }
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      text += chunk;
    });
    request.on('end', () => resolve(text));
    request.on('error', reject);
  });
}

/** Polls `probe` until it returns true; returns the elapsed ms, or throws after `timeoutMs`. */
export async function within(timeoutMs: number, probe: () => Promise<boolean> | boolean): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await probe()) return performance.now() - started;
    if (performance.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A Node-style request with one Bearer token. */
export function bearer(token: string, extra: Record<string, string> = {}) {
  return { method: 'GET', headers: { authorization: `Bearer ${token}`, ...extra } };
}

/** The `GuardError` a promise rejects with (fails the test if it resolves or throws something else). */
export async function refusal(promise: Promise<unknown>): Promise<GuardError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GuardError) return error;
    throw error;
  }
  throw new Error('expected the guard to refuse');
}
