import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a store (Redis, PostgreSQL) for fault tests: pass traffic, `cut()` every
 * connection and refuse new ones (a partition), `stall()` (connections stay open, nothing moves: a
 * hung server), `heal()`. Listens on 127.0.0.1 only.
 */
export class TcpProxy {
  readonly #server: Server;
  readonly #target: { host: string; port: number };
  readonly #pairs = new Set<{ client: Socket; upstream: Socket }>();
  #mode: 'pass' | 'cut' | 'stall' = 'pass';
  #port = 0;

  private constructor(target: { host: string; port: number }) {
    this.#target = target;
    this.#server = createServer((client) => this.#accept(client));
  }

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(target);
    await new Promise<void>((resolve, reject) => {
      proxy.#server.once('error', reject);
      proxy.#server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = proxy.#server.address();
    proxy.#port = typeof address === 'object' && address !== null ? address.port : 0;
    return proxy;
  }

  get port(): number {
    return this.#port;
  }

  /** Connections currently proxied. */
  get connections(): number {
    return this.#pairs.size;
  }

  /** A partition: every open connection is reset, new ones are refused until `heal()`. */
  cut(): void {
    this.#mode = 'cut';
    for (const pair of this.#pairs) {
      pair.client.resetAndDestroy();
      pair.upstream.destroy();
    }
    this.#pairs.clear();
  }

  /** A hung peer: connections stay open (new ones are accepted) but no byte moves either way. */
  stall(): void {
    this.#mode = 'stall';
    for (const pair of this.#pairs) {
      pair.client.pause();
      pair.upstream.pause();
    }
  }

  /** Back to normal: stalled connections resume (what they sent meanwhile is delivered). */
  heal(): void {
    this.#mode = 'pass';
    for (const pair of this.#pairs) {
      pair.client.resume();
      pair.upstream.resume();
    }
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    if (this.#mode === 'cut') {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(this.#target.port, this.#target.host);
    const pair = { client, upstream };
    this.#pairs.add(pair);
    const drop = () => {
      this.#pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
    if (this.#mode === 'stall') {
      client.pause();
      upstream.pause();
    }
  }
}
