/** The drain under the shutdown sequence, on a bare node:http server (no timing assertions). */
import { Agent, createServer, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connectionDrain } from '../src/http/connection-drain.ts';

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.closeAllConnections();
});

/** A server whose `/slow` answers only when `release()` is called; everything else at once. */
async function start() {
  const held: ServerResponse[] = [];
  const stuck: ServerResponse[] = [];
  const server = createServer((req, res) => {
    if (req.url === '/slow') held.push(res);
    else if (req.url === '/never') stuck.push(res.writeHead(200));
    else res.end('ok');
  });
  servers.push(server);
  const drain = connectionDrain(server, 20);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const release = () => {
    for (const res of held.splice(0)) res.end('slow');
  };
  return { server, drain, url, held, stuck, release };
}

function get(agent: Agent, url: string): Promise<{ status: number; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    request(url, { agent }, (res) => {
      res.resume();
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
    })
      .on('error', reject)
      .end();
  });
}

describe('connectionDrain', () => {
  it('lets a request in flight finish with Connection: close and closes an idle keep-alive connection', async () => {
    const { drain, url, held, release } = await start();
    const agent = new Agent({ keepAlive: true, maxSockets: 2 });
    await Promise.all([get(agent, `${url}/a`), get(agent, `${url}/b`)]); // two pooled connections
    const slow = get(agent, `${url}/slow`);
    await expect.poll(() => held.length).toBe(1);
    const aborted = new Promise((resolve) => drain.signal.addEventListener('abort', resolve));
    const drained = drain.drain(60_000);
    await aborted;
    expect(drain.draining).toBe(true);
    release();
    expect(await slow).toEqual({ status: 200, connection: 'close' });
    await expect(drained).resolves.toBe(true);
    agent.destroy();
  });

  it('answers a request that arrives on an idle connection during the linger, with Connection: close', async () => {
    const { server, url } = await start();
    const drain = connectionDrain(server, 60_000); // a second tracker: a long linger, for this test only
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    await get(agent, `${url}/a`);
    const drained = drain.drain(60_000);
    expect(await get(agent, `${url}/b`)).toEqual({ status: 200, connection: 'close' });
    await expect(drained).resolves.toBe(true);
    agent.destroy();
  });

  it('cuts what is still open after the timeout and says so', async () => {
    const { drain, url, stuck } = await start();
    const agent = new Agent({ keepAlive: true });
    const never = get(agent, `${url}/never`).catch((error: Error) => error);
    await expect.poll(() => stuck.length).toBe(1);
    stuck[0]!.write('partial');
    await expect(drain.drain(100)).resolves.toBe(false);
    expect(await never).toBeInstanceOf(Error);
    agent.destroy();
  });
});
