import {
  type Accounts,
  type AuditTrail,
  type Clock,
  emailSkeleton,
  type RequestMeta,
  type UserImportStore,
  type UserRepository,
} from '@gatehouse/core';
import { type ImportRow, parseImportRow, type RawRow, type RejectReason } from '../import/import-row.ts';
import type { FirebaseHashParameters } from '../passwords/firebase-scrypt.ts';

/** What happened to one row. */
export type RowReport =
  | { line: number; status: 'imported'; id: string; email: string }
  | { line: number; status: 'rejected'; reason: RejectReason; detail: string; email?: string };

export interface ImportUsersInput {
  /** The rows in order, numbered by line; a row that could not be read carries its error. */
  rows: AsyncIterable<RawRow> | Iterable<RawRow>;
  meta: RequestMeta;
  /** The Firebase project's hash parameters, for rows that do not carry them. */
  firebase?: FirebaseHashParameters | undefined;
  /** Rows per transaction (default 500). */
  batchSize?: number;
  /**
   * Called after each batch is committed with that batch's reports and the last line it covered,
   * before the next batch starts: checkpoints, the rejects file and progress hang off it.
   */
  onBatch?: (batch: { lastLine: number; reports: RowReport[] }) => Promise<void> | void;
  /** Called just before a batch is stored, with the id chosen for each of its rows' lines. */
  onBatchStart?: (batch: { ids: [line: number, id: string][] }) => Promise<void> | void;
  /**
   * The ids an interrupted run chose for these lines (its last `onBatchStart`): rows without an id
   * take them again, and a row that run had stored already (same id, same email) is reported
   * imported, not taken.
   */
  presetIds?: ReadonlyMap<number, string> | undefined;
}

export interface ImportUsersResult {
  imported: number;
  rejected: number;
}

const DEFAULT_BATCH = 500;

/**
 * Imports users with the password hashes they had elsewhere (`gatehouse users import`,
 * `POST /admin/v1/users/import`). Each row is checked alone (`parseImportRow`), then against the
 * rows before it in the same run (same or look-alike email: `duplicate_email`), then by the store,
 * whose unique constraints refuse an email, look-alike or id already registered (`email_taken`).
 * Valid rows are inserted a batch per transaction. Every row ends in exactly one report.
 */
export function importUsersCommand(deps: {
  storage: { userImports: UserImportStore; users: UserRepository };
  accounts: Accounts;
  audit: AuditTrail;
  clock: Clock;
}): (input: ImportUsersInput) => Promise<ImportUsersResult> {
  return async function importUsers(input) {
    const roles = new Set((await deps.accounts.listRoles()).map((role) => role.name));
    const context = { roles, firebase: input.firebase, presetIds: input.presetIds };
    const batchSize = Math.max(1, input.batchSize ?? DEFAULT_BATCH);
    /** Skeleton → the line that claimed it in this run; the same for ids. */
    const seen = new Map<string, number>();
    const seenIds = new Map<string, number>();
    const totals: ImportUsersResult = { imported: 0, rejected: 0 };
    let valid: ImportRow[] = [];
    let reports: RowReport[] = [];
    let lastLine = 0;

    const flush = async () => {
      if (valid.length === 0 && reports.length === 0) return;
      await input.onBatchStart?.({ ids: valid.map((row) => [row.line, row.user.id]) });
      const created = new Set(
        await deps.storage.userImports.insertBatch(
          valid.map((row) => row.user),
          deps.clock.now(),
        ),
      );
      for (const { line, user } of valid)
        if (!created.has(user.id) && input.presetIds?.get(line) === user.id) {
          const stored = await deps.storage.users.findById(user.id);
          if (stored?.email === user.email) created.add(user.id); // stored by the interrupted run
        }
      for (const { line, user } of valid)
        reports.push(
          created.has(user.id)
            ? { line, status: 'imported', id: user.id, email: user.email }
            : {
                line,
                status: 'rejected',
                reason: 'email_taken',
                detail: 'The email address, a look-alike of it, or the id is already registered.',
                email: user.email,
              },
        );
      reports.sort((a, b) => a.line - b.line);
      const imported = created.size;
      totals.imported += imported;
      totals.rejected += reports.length - imported;
      if (imported > 0)
        await deps.audit.record('users.imported', input.meta, {
          details: {
            imported,
            rejected: reports.length - imported,
            first_line: reports[0]!.line,
            last_line: lastLine,
          },
        });
      const done = reports;
      valid = [];
      reports = [];
      await input.onBatch?.({ lastLine, reports: done });
    };

    for await (const raw of input.rows) {
      lastLine = raw.line;
      const verdict = parseImportRow(raw, context);
      if (!verdict.ok) {
        const { ok: _ok, ...rejected } = verdict;
        reports.push({ status: 'rejected', ...rejected });
      } else {
        const skeleton = emailSkeleton(verdict.row.user.email);
        const earlier = seen.get(skeleton);
        const sameId = seenIds.get(verdict.row.user.id);
        if (earlier === undefined && sameId !== undefined)
          reports.push({
            line: raw.line,
            status: 'rejected',
            reason: 'invalid_id',
            detail: `The same id is on line ${sameId}.`,
            email: verdict.row.user.email,
          });
        else if (earlier === undefined) {
          seen.set(skeleton, verdict.row.line);
          seenIds.set(verdict.row.user.id, verdict.row.line);
          valid.push(verdict.row);
        } else
          reports.push({
            line: raw.line,
            status: 'rejected',
            reason: 'duplicate_email',
            detail: `The same address, or a look-alike of it, is on line ${earlier}.`,
            email: verdict.row.user.email,
          });
      }
      if (valid.length + reports.length >= batchSize) await flush();
    }
    await flush();
    return totals;
  };
}
