import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * A Lua script run by SHA (EVALSHA), falling back to EVAL when the server does not have it cached
 * (first use, restart, SCRIPT FLUSH). Scripts are what make multi-key updates atomic here.
 *
 * Some scripts touch keys derived inside the script (a user's set from a session's hash), so this
 * store supports standalone and replicated Redis, not Redis Cluster.
 */
export class LuaScript {
  readonly #source: string;
  readonly #sha: string;

  constructor(source: string) {
    this.#source = source;
    this.#sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.#sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
      return redis.eval(this.#source, keys.length, ...keys, ...args);
    }
  }
}

/** Narrows a script's integer reply. */
export function integerReply(value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  throw new Error(`unexpected Redis script reply: ${String(value)}`);
}
