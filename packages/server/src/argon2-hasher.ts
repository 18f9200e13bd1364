import type { PasswordHasher } from '@gatehouse/core';
import { hash } from '@node-rs/argon2';
import { verifyStoredHash } from './passwords/imported-hashes.ts';
import { Semaphore } from './semaphore.ts';

/** `Algorithm.Argon2id` of @node-rs/argon2 (a const enum, which isolated modules cannot read). */
const ARGON2ID = 2;

export interface Argon2Parameters {
  memoryKib: number;
  timeCost: number;
  parallelism: number;
}

/**
 * argon2id (OWASP: m ≥ 19 MiB, t ≥ 2, p = 1) for every hash it makes. It also verifies the formats
 * users are imported with (bcrypt, PBKDF2-SHA256, Firebase scrypt, any argon2:
 * `passwords/imported-hashes.ts`), and `needsRehash` is true for each of them, so the first
 * successful login stores argon2id in their place. @node-rs/argon2 hashes on libuv's thread pool, so the
 * event loop never blocks; the semaphore bounds how many hashes run at once (about one per core),
 * so a login flood queues instead of starving every other request of CPU.
 */
export class Argon2Hasher implements PasswordHasher {
  readonly #params: Argon2Parameters;
  readonly #gate: Semaphore;

  constructor(params: Argon2Parameters, concurrency: number) {
    this.#params = params;
    this.#gate = new Semaphore(concurrency);
  }

  hash(password: string): Promise<string> {
    return this.#gate.run(() =>
      hash(password, {
        algorithm: ARGON2ID,
        memoryCost: this.#params.memoryKib,
        timeCost: this.#params.timeCost,
        parallelism: this.#params.parallelism,
      }),
    );
  }

  async verify(stored: string, password: string): Promise<boolean> {
    try {
      return await this.#gate.run(() => verifyStoredHash(stored, password));
    } catch {
      return false; // a malformed stored hash never authenticates
    }
  }

  needsRehash(stored: string): boolean {
    const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(stored);
    if (match === null) return true;
    const [, m, t, p] = match.map(Number);
    return m !== this.#params.memoryKib || t !== this.#params.timeCost || p !== this.#params.parallelism;
  }
}
