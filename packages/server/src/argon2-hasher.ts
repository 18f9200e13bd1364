import { type PasswordHasher, randomToken } from '@gatehouse/core';
import { hash, verify } from '@node-rs/argon2';
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
  /** The durations of the last current-parameter verifications here (see `verify`). */
  readonly #samples: number[] = [];
  #next = 0;

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

  /**
   * A hash of other parameters than the current ones (imported, or argon2 of older settings) is
   * padded to the time a current argon2id verification takes (the median of this node's last
   * ones, measured as they run: a median, as the timing tests compare medians), by waiting — not by hashing more, which under load would add CPU
   * time and make the padded side the slower one. So a cheaper hash (cost-6 bcrypt, Keycloak's
   * 7 MiB argon2) answers no sooner than a native one: a wrong password tells no timing observer
   * that the account exists or was imported. A costlier one still takes its own time, until the
   * first sign-in upgrades it.
   */
  async verify(stored: string, password: string): Promise<boolean> {
    const started = performance.now();
    const native = !this.needsRehash(stored);
    let matches = false;
    try {
      matches = await this.#gate.run(async () => {
        if (this.#samples.length === 0 && !native) await this.#measure();
        return verifyStoredHash(stored, password);
      });
    } catch {
      matches = false; // a malformed stored hash never authenticates
    }
    const elapsed = performance.now() - started;
    if (native) this.#record(elapsed);
    else {
      const target = this.#typicalMs();
      if (elapsed < target) await new Promise((resolve) => setTimeout(resolve, target - elapsed));
    }
    return matches;
  }

  /** Keeps the last 31 durations of current-parameter verifications, queueing included. */
  #record(ms: number): void {
    this.#samples[this.#next] = ms;
    this.#next = (this.#next + 1) % 31;
  }

  #typicalMs(): number {
    const sorted = [...this.#samples].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? 0;
  }

  /** The first sample, for a node whose first verification is of an imported hash. */
  async #measure(): Promise<void> {
    const pad = await hash(randomToken(24), {
      algorithm: ARGON2ID,
      memoryCost: this.#params.memoryKib,
      timeCost: this.#params.timeCost,
      parallelism: this.#params.parallelism,
    });
    const started = performance.now();
    await verify(pad, 'padding');
    this.#record(performance.now() - started);
  }

  needsRehash(stored: string): boolean {
    const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(stored);
    if (match === null) return true;
    const [, m, t, p] = match.map(Number);
    return m !== this.#params.memoryKib || t !== this.#params.timeCost || p !== this.#params.parallelism;
  }
}
