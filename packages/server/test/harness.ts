import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type Clock, type MailQueue, systemClock } from '@gatehouse/core';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../src/app.ts';
import { bootstrap } from '../src/bootstrap.ts';
import { type Config, loadConfig } from '../src/config.ts';
import { createGatehouse, type Gatehouse } from '../src/gatehouse.ts';
import { createLogger } from '../src/logger.ts';

export const ADMIN_EMAIL = 'admin@example.test';
export const ADMIN_PASSWORD = 'tangerine orbit quietly 4417';

export interface Harness {
  app: FastifyInstance;
  gatehouse: Gatehouse;
  config: Config;
  dataDir: string;
  /** Every log line the server wrote. */
  logs: string[];
  close(): Promise<void>;
}

/**
 * A real Gatehouse on a fresh SQLite file in a temp dir (or the given database/Redis), driven
 * through Fastify's in-process injection. Settings are the production defaults unless overridden.
 */
export async function createHarness(
  overrides: Record<string, unknown> = {},
  options: {
    clock?: Clock;
    databaseSchema?: string;
    /** Settings applied after validation: values below the production floors, to test mechanisms in seconds. */
    unchecked?: Partial<Config>;
    /** Where emails go (a `RecordingMailQueue` to assert on what the flows asked to send). */
    mail?: MailQueue;
  } = {},
): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-test-'));
  const validated = loadConfig(
    {},
    {
      dataDir,
      nodeEnv: 'test',
      adminEmail: ADMIN_EMAIL,
      adminPassword: ADMIN_PASSWORD,
      introspectionSecret: 'test-introspection-secret-0123456789abcdef',
      logLevel: 'info',
      ...overrides,
    },
  );
  const config: Config = { ...validated, ...options.unchecked };
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      logs.push(String(chunk));
      callback();
    },
  });
  const gatehouse = await createGatehouse(config, createLogger(config.logLevel, sink), {
    clock: options.clock ?? systemClock,
    ...(options.databaseSchema === undefined ? {} : { databaseSchema: options.databaseSchema }),
    ...(options.mail === undefined ? {} : { mail: options.mail }),
  });
  await bootstrap(gatehouse);
  const app = await buildApp(gatehouse);
  await app.ready();
  return {
    app,
    gatehouse,
    config,
    dataDir,
    logs,
    async close() {
      await app.close();
      await gatehouse.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const SESSION_COOKIE = '__Host-gatehouse_session';

export function sessionCookieFrom(response: LightMyRequestResponse): string | undefined {
  return response.cookies.find((c) => c.name === SESSION_COOKIE)?.value;
}

export interface LoggedIn {
  token: string;
  csrf: string;
  cookie: string;
  userId: string;
  sessionId: string;
}

export async function login(
  app: FastifyInstance,
  email: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<LoggedIn> {
  const response = await app.inject({ method: 'POST', url: '/login', payload: { email, password }, headers });
  if (response.statusCode !== 200) throw new Error(`login failed: ${response.statusCode} ${response.body}`);
  const body = response.json<{ user: { id: string }; session: { id: string }; csrf_token: string }>();
  const token = sessionCookieFrom(response)!;
  return {
    token,
    csrf: body.csrf_token,
    cookie: `${SESSION_COOKIE}=${token}`,
    userId: body.user.id,
    sessionId: body.session.id,
  };
}

/** A request as a signed-in user: the session cookie, and the CSRF token that writes need. */
export function asSession(
  app: FastifyInstance,
  as: LoggedIn,
  method: string,
  url: string,
  payload?: unknown,
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: method as 'GET',
    url,
    headers: { cookie: as.cookie, 'x-csrf-token': as.csrf },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
}

/** Creates a user directly through the domain service (what the admin API and CLI call). */
export async function createUser(h: Harness, email: string, password: string, roles: string[] = []) {
  for (const role of roles) {
    if ((await h.gatehouse.storage.roles.get(role)) === undefined) {
      await h.gatehouse.accounts.upsertRole({ name: role, permissions: [`${role}:read`] });
    }
  }
  return h.gatehouse.accounts.createUser({ email, password, roles });
}

/** A password that passes the policy, unique per call. */
let counter = 0;
export function strongPassword(): string {
  counter += 1;
  return `violet ${counter} marmalade ${Math.random().toString(36).slice(2, 8)} lighthouse`;
}
