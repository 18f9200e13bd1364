import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import type { CompromisedPasswordCheck } from '@gatehouse/core';

/** The bundled list (assets/README.md says where it comes from); the path holds from src/ and dist/cli/. */
export const BUNDLED_PASSWORD_LIST: URL = new URL('../../assets/common-passwords.txt.gz', import.meta.url);

/**
 * A password list read from a file — one password per line, plain or gzip-compressed — on first
 * use, so start-up does not pay for it. Matching ignores case: a listed password in capitals is
 * no stronger.
 */
export class PasswordListCheck implements CompromisedPasswordCheck {
  readonly #source: URL | string;
  #entries: Promise<ReadonlySet<string>> | undefined;

  constructor(source: URL | string) {
    this.#source = source;
  }

  async isCompromised(password: string): Promise<boolean> {
    this.#entries ??= this.#load();
    return (await this.#entries).has(password.toLowerCase());
  }

  /** Reads the list now (start-up calls it when a missing file should stop the server at once). */
  async load(): Promise<number> {
    this.#entries ??= this.#load();
    return (await this.#entries).size;
  }

  async #load(): Promise<ReadonlySet<string>> {
    const raw = await readFile(this.#source);
    // gzip's magic number: a compressed list is recognised by content, whatever its name.
    const text = (raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw).toString('utf8');
    const entries = new Set<string>();
    for (const line of text.split('\n')) {
      const entry = line.replace(/\r$/, '').normalize('NFKC').toLowerCase();
      if (entry !== '') entries.add(entry);
    }
    return entries;
  }
}
