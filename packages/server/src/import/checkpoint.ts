import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

/**
 * Where an import of one file stands, kept beside it (`FILE.checkpoint.json` by default) and
 * rewritten atomically (temporary file, then rename) after each committed batch. A re-run of the
 * same file (same SHA-256) starts after `line`; a changed file is refused rather than guessed at.
 */
export interface Checkpoint {
  readonly sha256: string;
  /** The last line of the last committed batch: every row up to it is imported or in the rejects file. */
  readonly line: number;
  readonly imported: number;
  readonly rejected: number;
  /** The rejects file's length at `line`: a resumed run cuts off what a killed one wrote after it. */
  readonly rejectsBytes: number;
  /**
   * The batch being stored after `line`, as line → id, written before its transaction: if the
   * process dies between the commit and the next checkpoint, the resumed run knows those rows.
   */
  readonly pending?: readonly [number, string][] | undefined;
  readonly done: boolean;
}

export async function fileDigest(path: string): Promise<{ sha256: string; lines: number }> {
  const hash = createHash('sha256');
  let lines = 0;
  let last = 10;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    for (const byte of chunk) if (byte === 10) lines += 1;
    last = chunk.at(-1) ?? last;
  }
  return { sha256: hash.digest('hex'), lines: last === 10 ? lines : lines + 1 };
}

export function readCheckpoint(path: string): Checkpoint | undefined {
  if (!existsSync(path)) return undefined;
  const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<Checkpoint>;
  if (typeof value.sha256 !== 'string' || !Number.isInteger(value.line))
    throw new Error(`${path} is not an import checkpoint; remove it or pass --restart.`);
  return {
    sha256: value.sha256,
    line: value.line as number,
    imported: value.imported ?? 0,
    rejected: value.rejected ?? 0,
    rejectsBytes: value.rejectsBytes ?? 0,
    pending: Array.isArray(value.pending) ? value.pending : undefined,
    done: value.done === true,
  };
}

export function writeCheckpoint(path: string, checkpoint: Checkpoint): void {
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(checkpoint)}\n`);
  renameSync(temporary, path);
}
