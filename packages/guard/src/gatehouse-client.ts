import { GuardError } from './errors.ts';
import { trimSlash } from './options.ts';

export interface GatehouseClientOptions {
  /** Gatehouse's base URL; endpoint paths are appended to it. */
  readonly url: string;
  /** The resource-server secret, sent as `Authorization: Bearer <secret>`. */
  readonly secret: string;
  readonly timeoutMs: number;
  readonly fetch: typeof fetch;
}

/**
 * The guard's calls to Gatehouse's resource-server endpoints, authenticated with the shared secret.
 * Every failure (network, timeout, non-2xx, not JSON) is `unavailable`: the guard fails closed.
 */
export class GatehouseClient {
  readonly #base: string;
  readonly #authorization: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(options: GatehouseClientOptions) {
    this.#base = trimSlash(options.url);
    this.#authorization = `Bearer ${options.secret}`;
    this.#timeoutMs = options.timeoutMs;
    this.#fetch = options.fetch;
  }

  endpoint(path: string): string {
    return `${this.#base}${path}`;
  }

  postJson(path: string, body: unknown): Promise<unknown> {
    return this.#json(path, {
      method: 'POST',
      headers: { ...this.#headers('application/json'), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  getJson(path: string, signal?: AbortSignal): Promise<unknown> {
    return this.#json(path, { method: 'GET', headers: this.#headers('application/json') }, signal);
  }

  /**
   * Opens a long-lived `text/event-stream` response. The timeout covers getting the response
   * headers only; the body is read until `signal` aborts or the server ends it.
   */
  async openStream(path: string, signal: AbortSignal): Promise<Response> {
    const controller = new AbortController();
    const abort = () => controller.abort(signal.reason);
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
    const timer = setTimeout(() => controller.abort(new Error('connect timeout')), this.#timeoutMs);
    let response: Response;
    try {
      response = await this.#fetch(this.endpoint(path), {
        method: 'GET',
        headers: { ...this.#headers('text/event-stream'), 'cache-control': 'no-store' },
        signal: controller.signal,
      });
    } catch (error) {
      signal.removeEventListener('abort', abort);
      throw new GuardError('unavailable', { cause: error, reason: 'feed_unreachable' });
    } finally {
      clearTimeout(timer);
    }
    if (!response.ok) {
      signal.removeEventListener('abort', abort);
      await response.body?.cancel().catch(() => {});
      throw new GuardError('unavailable', { reason: `feed_status_${response.status}` });
    }
    return response;
  }

  #headers(accept: string): Record<string, string> {
    return { authorization: this.#authorization, accept };
  }

  async #json(path: string, init: RequestInit, signal?: AbortSignal): Promise<unknown> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    let response: Response;
    try {
      response = await this.#fetch(this.endpoint(path), {
        ...init,
        signal: signal === undefined ? timeout : either(signal, timeout),
      });
    } catch (error) {
      throw new GuardError('unavailable', { cause: error, reason: 'gatehouse_unreachable' });
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => {});
      throw new GuardError('unavailable', {
        cause: new Error(`${path} answered ${response.status}`),
        reason: `gatehouse_status_${response.status}`,
      });
    }
    try {
      return await response.json();
    } catch (error) {
      throw new GuardError('unavailable', { cause: error, reason: 'gatehouse_not_json' });
    }
  }
}

/** `AbortSignal.any` for Node 20.0–20.2. */
function either(a: AbortSignal, b: AbortSignal): AbortSignal {
  const controller = new AbortController();
  for (const signal of [a, b]) {
    if (signal.aborted) controller.abort(signal.reason);
    else signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
  }
  return controller.signal;
}
