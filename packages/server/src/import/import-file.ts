import { appendFileSync, existsSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import type { RequestMeta } from '@gatehouse/core';
import type { ImportUsersInput, RowReport } from '../commands/import-users.ts';
import type { FirebaseHashParameters } from '../passwords/firebase-scrypt.ts';
import { type Checkpoint, fileDigest, readCheckpoint, writeCheckpoint } from './checkpoint.ts';
import { CSV_PASSWORD_COLUMNS } from './csv-row.ts';
import { IMPORT_FIELDS } from './import-row.ts';
import { ImportProgress } from './progress.ts';
import { csvHeader, csvRows, jsonLinesRows } from './row-sources.ts';

export interface ImportFileOptions {
  file: string;
  format: 'jsonl' | 'csv';
  rejectsPath: string;
  checkpointPath: string;
  /** Ignore an existing checkpoint: start from the first line, with an empty rejects file. */
  restart: boolean;
  batchSize: number;
  firebase?: FirebaseHashParameters | undefined;
  meta: RequestMeta;
}

export interface ImportFileResult {
  imported: number;
  rejected: number;
  /** The line this run started after (0: from the start). */
  resumedAfterLine: number;
  alreadyDone: boolean;
}

/** A refusal before anything is imported (a changed file, unknown CSV columns): a usage error. */
export class ImportFileError extends Error {}

/**
 * Imports one file through the import command, resumably: before a batch is stored the checkpoint
 * names its rows' ids; once it is committed, its rejected rows are appended to the rejects file
 * (JSON Lines: line, reason, detail, email), then the checkpoint moves past it. Re-running the same
 * file resumes after the checkpoint's line: the rejects file is cut back to that line, and a batch
 * that was committed without its checkpoint is recognised by its ids, so every row is reported
 * once, as imported or rejected.
 */
export async function importFile(
  options: ImportFileOptions,
  importUsers: (input: ImportUsersInput) => Promise<{ imported: number; rejected: number }>,
): Promise<ImportFileResult> {
  if (options.format === 'csv') await checkCsvColumns(options.file);
  const digest = await fileDigest(options.file);
  const previous = options.restart ? undefined : readCheckpoint(options.checkpointPath);
  if (previous !== undefined && previous.sha256 !== digest.sha256)
    throw new ImportFileError(
      `${options.checkpointPath} belongs to another version of ${options.file}: remove it, or pass --restart to import the file from its first line.`,
    );
  if (previous?.done === true)
    return {
      imported: previous.imported,
      rejected: previous.rejected,
      resumedAfterLine: previous.line,
      alreadyDone: true,
    };
  if (previous === undefined) writeFileSync(options.rejectsPath, '');
  else if (existsSync(options.rejectsPath) && statSync(options.rejectsPath).size > previous.rejectsBytes)
    truncateSync(options.rejectsPath, previous.rejectsBytes); // a killed run's rejects past `line`
  let state: Checkpoint = previous ?? {
    sha256: digest.sha256,
    line: 0,
    imported: 0,
    rejected: 0,
    rejectsBytes: 0,
    done: false,
  };
  const after = state.line;
  const progress = new ImportProgress(digest.lines);
  try {
    await importUsers({
      rows: options.format === 'csv' ? csvRows(options.file, after) : jsonLinesRows(options.file, after),
      meta: options.meta,
      firebase: options.firebase,
      batchSize: options.batchSize,
      presetIds: new Map(previous?.pending ?? []),
      onBatchStart: ({ ids }) => writeCheckpoint(options.checkpointPath, { ...state, pending: ids }),
      onBatch: ({ lastLine, reports }) => {
        const rejected = reports.filter(
          (r): r is Extract<RowReport, { status: 'rejected' }> => r.status === 'rejected',
        );
        if (rejected.length > 0)
          appendFileSync(
            options.rejectsPath,
            rejected.map(({ status: _status, ...rest }) => `${JSON.stringify(rest)}\n`).join(''),
          );
        state = {
          sha256: state.sha256,
          line: lastLine,
          imported: state.imported + reports.length - rejected.length,
          rejected: state.rejected + rejected.length,
          rejectsBytes: statSync(options.rejectsPath).size,
          done: false,
        };
        writeCheckpoint(options.checkpointPath, state);
        progress.update(lastLine, state.imported, state.rejected);
      },
    });
  } finally {
    progress.finish();
  }
  writeCheckpoint(options.checkpointPath, { ...state, done: true });
  return { imported: state.imported, rejected: state.rejected, resumedAfterLine: after, alreadyDone: false };
}

/** Every column must be one the import reads: a misspelt one would otherwise be lost on every row. */
async function checkCsvColumns(file: string): Promise<void> {
  const header = await csvHeader(file);
  const known = (column: string) =>
    (IMPORT_FIELDS.has(column) && column !== 'address') ||
    CSV_PASSWORD_COLUMNS.includes(column) ||
    /^address_(?:formatted|street_address|locality|region|postal_code|country)$/.test(column);
  const unknown = header.filter((column) => !known(column));
  if (!header.includes('email')) throw new ImportFileError(`${file}: the CSV header has no email column.`);
  if (unknown.length > 0) throw new ImportFileError(`${file}: unknown CSV columns: ${unknown.join(', ')}.`);
}
