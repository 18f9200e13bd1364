import type { SealedStore } from './sealed-store.ts';

/** Where a rekey stands, after each batch and at the end. */
export interface RekeyProgress {
  readonly store: string;
  /** Records looked at so far in this store. */
  readonly scanned: number;
  /** Re-encrypted under the current key by this run. */
  readonly rekeyed: number;
  /** Already under the current key (by an earlier, interrupted run, or made since). */
  readonly current: number;
  /** Changed or deleted by another node between reading and writing: left as that node made it. */
  readonly skipped: number;
}

export interface RekeyOptions {
  /** Records per batch (default 100). */
  readonly batch?: number;
  /** Called after every batch; throwing stops the run there (what was written stays written). */
  readonly onBatch?: (progress: RekeyProgress) => void | Promise<void>;
}

/**
 * Re-encrypts every record of `stores` under the current master secret, batch by batch. Each write
 * is a compare-and-set on the value read, so nodes may keep running (a key they rotate meanwhile is
 * sealed under the current key anyway), and a run is idempotent: run again after an interruption,
 * it finds the records already done under the current key and finishes the rest.
 */
export async function rekey(
  stores: readonly SealedStore[],
  options: RekeyOptions = {},
): Promise<RekeyProgress[]> {
  const batch = options.batch ?? 100;
  if (!Number.isSafeInteger(batch) || batch < 1) throw new RangeError('batch must be a positive integer');
  const totals: RekeyProgress[] = [];
  for (const store of stores) {
    let progress: RekeyProgress = { store: store.name, scanned: 0, rekeyed: 0, current: 0, skipped: 0 };
    let after: string | null = null;
    for (;;) {
      const records = await store.page(after, batch);
      if (records.length === 0) break;
      let { scanned, rekeyed, current, skipped } = progress;
      for (const record of records) {
        scanned += 1;
        const sealed = store.reseal(record);
        if (sealed === null) current += 1;
        else if (await store.replace(record.id, record.sealed, sealed)) rekeyed += 1;
        else skipped += 1;
      }
      progress = { store: store.name, scanned, rekeyed, current, skipped };
      after = records.at(-1)?.id ?? null;
      await options.onBatch?.(progress);
      if (records.length < batch) break;
    }
    totals.push(progress);
  }
  return totals;
}
