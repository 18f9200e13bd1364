/**
 * One Gatehouse server under load, for a CPU profile of its hot path: `GET /account` with SQLite
 * or Redis sessions, or an AuthZEN evaluation. Prints requests/s and the server's CPU per request.
 *
 *   BENCH_PIN=1 BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" \
 *     node --conditions=@gatehouse/source --import tsx bench/profile-hot-path.ts sqlite|redis|authzen [seconds]
 */

import { fileURLToPath } from 'node:url';
import {
  ADMIN_EMAIL,
  ADMIN_OVERRIDES,
  ADMIN_PASSWORD,
  dropPrefix,
  loginCookie,
  REDIS_URL,
  runLoad,
  startChild,
  uniquePrefix,
} from './support.ts';

const mode = process.argv[2] ?? 'sqlite';
const seconds = Number(process.argv[3] ?? 8);
const prefix = mode === 'redis' ? uniquePrefix('prof') : undefined;
const secret = 'bench-introspection-secret-0123456789abcdef';
const policyDir = fileURLToPath(new URL('../examples/policies', import.meta.url));
const child = await startChild('./server-gatehouse.ts', {
  overrides: {
    ...ADMIN_OVERRIDES,
    ...(prefix === undefined ? {} : { redisUrl: REDIS_URL, sessionStore: 'redis', redisPrefix: prefix }),
    ...(mode === 'authzen' ? { introspectionSecret: secret, policyDir, decisionLogSampleRate: 0.01 } : {}),
  },
});
try {
  if (mode === 'authzen') {
    const body = JSON.stringify({
      subject: { type: 'user', id: 'alice' },
      resource: { type: 'notes', id: 'n-1', properties: { ownerID: 'alice', archived: false } },
      action: { name: 'delete' },
    });
    const r = await runLoad({
      url: `${child.url}/access/v1/evaluation`,
      connections: 32,
      durationS: seconds,
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body,
      serverPid: child.pid,
    });
    console.log(
      mode,
      Math.round(r.rps),
      'req/s',
      Math.round(r.serverCpuUs),
      'µs/req',
      JSON.stringify(r.statuses),
    );
  } else {
    const cookie = await loginCookie(child.url, ADMIN_EMAIL, ADMIN_PASSWORD);
    const r = await runLoad({
      url: `${child.url}/account`,
      connections: 10,
      durationS: seconds,
      headers: { accept: 'application/json', cookie },
      serverPid: child.pid,
    });
    console.log(
      mode,
      Math.round(r.rps),
      'req/s',
      Math.round(r.serverCpuUs),
      'µs/req',
      JSON.stringify(r.statuses),
    );
  }
} finally {
  await child.stop();
  if (prefix) await dropPrefix(prefix);
}
