/**
 * notes-api `GET /notes` with a Bearer access token (guard: JWT verification with the verified-token
 * cache, revocation feed, permissions from Gatehouse cached 1 s) and with an API key (guard: cached
 * key introspection, per-key rate limit), each beside the same handler with no authentication, in
 * the same process. Goal: ratio ≥ 0.8 for each, with a repeated credential.
 *
 *   node --conditions=@gatehouse/source --import tsx bench/notes-bearer.ts        (BENCH_DURATION=10)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  budget,
  DURATION_S,
  fmt,
  freePort,
  header,
  startGatehouseProcess,
  table,
  waitUp,
  warmThenRun,
} from './support.ts';

budget(5);
header('notes-api GET /notes: Bearer token and API key through the guard vs no authentication');

const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-notes-'));
const children: ChildProcess[] = [];
try {
  const started = await startGatehouseProcess(dataDir);
  children.push(started.child);
  const { url: gatehouse, secret } = started;
  const admin = { email: ADMIN_EMAIL, password: ADMIN_PASSWORD };
  const notesPort = await freePort();
  const notes = `http://127.0.0.1:${notesPort}`;
  children.push(
    spawn(
      process.execPath,
      [
        '--conditions=@gatehouse/source',
        '--import',
        'tsx',
        fileURLToPath(new URL('./server-notes.ts', import.meta.url)),
      ],
      {
        env: {
          ...process.env,
          PORT: String(notesPort),
          GATEHOUSE_URL: gatehouse,
          GATEHOUSE_INTROSPECTION_SECRET: secret,
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    ),
  );
  await waitUp(`${notes}/healthz`);
  const login = await fetch(`${gatehouse}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...admin, mode: 'token' }),
  });
  const { access_token: token } = (await login.json()) as { access_token: string };
  const check = await fetch(`${notes}/notes`, { headers: { authorization: `Bearer ${token}` } });
  if (check.status !== 200) throw new Error(`the guarded route answered ${check.status}`);
  // A service account with notes:read and a key whose limit is out of the benchmark's reach.
  const adminHeaders = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  await fetch(`${gatehouse}/admin/v1/roles/reader`, {
    method: 'PUT',
    headers: adminHeaders,
    body: JSON.stringify({ permissions: ['notes:read'] }),
  });
  const account = (await (
    await fetch(`${gatehouse}/admin/v1/service-accounts`, {
      method: 'POST',
      headers: adminHeaders,
      body: JSON.stringify({ name: 'bench', roles: ['reader'] }),
    })
  ).json()) as { id: string };
  const { key } = (await (
    await fetch(`${gatehouse}/admin/v1/users/${account.id}/api-keys`, {
      method: 'POST',
      headers: adminHeaders,
      body: JSON.stringify({
        name: 'bench',
        scopes: ['notes:read'],
        rate_limit: { limit: 1_000_000, window_seconds: 1 },
      }),
    })
  ).json()) as { key: string };
  const keyCheck = await fetch(`${notes}/notes`, { headers: { 'x-api-key': key } });
  if (keyCheck.status !== 200) throw new Error(`the key-guarded route answered ${keyCheck.status}`);

  const open = await warmThenRun({ url: `${notes}/open/notes`, connections: 10, durationS: DURATION_S });
  const guarded = await warmThenRun({
    url: `${notes}/notes`,
    connections: 10,
    durationS: DURATION_S,
    headers: { authorization: `Bearer ${token}` },
  });
  const keyed = await warmThenRun({
    url: `${notes}/notes`,
    connections: 10,
    durationS: DURATION_S,
    headers: { 'x-api-key': key },
  });
  const ratio = guarded.rps / open.rps;
  const keyRatio = keyed.rps / open.rps;
  table(
    ['route', 'req/s', 'p50 ms', 'p99 ms', 'statuses', 'ratio', 'goal'],
    [
      [
        'GET /open/notes (no auth)',
        Math.round(open.rps),
        fmt.ms(open.p50),
        fmt.ms(open.p99),
        JSON.stringify(open.statuses),
        '1.00×',
        '',
      ],
      [
        'GET /notes (Bearer, guard)',
        Math.round(guarded.rps),
        fmt.ms(guarded.p50),
        fmt.ms(guarded.p99),
        JSON.stringify(guarded.statuses),
        `${ratio.toFixed(2)}×`,
        ratio >= 0.8 ? '≥ 0.8× met' : '≥ 0.8× MISSED',
      ],
      [
        'GET /notes (API key, guard)',
        Math.round(keyed.rps),
        fmt.ms(keyed.p50),
        fmt.ms(keyed.p99),
        JSON.stringify(keyed.statuses),
        `${keyRatio.toFixed(2)}×`,
        keyRatio >= 0.8 ? '≥ 0.8× met' : '≥ 0.8× MISSED',
      ],
    ],
  );
} finally {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((c) => new Promise((r) => c.once('exit', r))));
  rmSync(dataDir, { recursive: true, force: true });
}
