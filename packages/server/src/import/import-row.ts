import {
  CLAIMS_BY_SCOPE,
  canonicalEmail,
  type ImportedUser,
  isGatehouseError,
  parseUserProfile,
  randomId,
} from '@gatehouse/core';
import type { FirebaseHashParameters } from '../passwords/firebase-scrypt.ts';
import { toStoredHash } from '../passwords/hash-input.ts';

/** Why a row was not imported: stable codes, written to the rejects file and the API report. */
export type RejectReason =
  | 'invalid_row'
  | 'invalid_email'
  | 'invalid_id'
  | 'duplicate_email'
  | 'email_taken'
  | 'unknown_hash_format'
  | 'invalid_hash'
  | 'unknown_role'
  | 'invalid_profile';

/** One row as read from a file or a request body, numbered from 1 by its line. */
export type RawRow = { line: number; value: unknown } | { line: number; error: string; email?: string };

export interface ImportRow {
  readonly line: number;
  readonly user: ImportedUser;
}

export type RowVerdict =
  | { ok: true; row: ImportRow }
  | { ok: false; line: number; reason: RejectReason; detail: string; email?: string };

export interface RowContext {
  /** The roles that exist. */
  readonly roles: ReadonlySet<string>;
  /** Defaults for Firebase hashes whose row does not carry the project's parameters. */
  readonly firebase?: FirebaseHashParameters | undefined;
  /** Ids chosen for these lines by an interrupted run, used again for rows without an id. */
  readonly presetIds?: ReadonlyMap<number, string> | undefined;
}

const PROFILE_CLAIMS: ReadonlySet<string> = new Set([
  ...CLAIMS_BY_SCOPE.profile,
  ...CLAIMS_BY_SCOPE.address,
  ...CLAIMS_BY_SCOPE.phone,
]);
/** Every field a row may have. */
export const IMPORT_FIELDS: ReadonlySet<string> = new Set([
  'email',
  'id',
  'password_hash',
  'email_verified',
  'roles',
  'disabled',
  ...PROFILE_CLAIMS,
]);
/** Gatehouse user ids: 128 random bits in hex (the admin API's `:id`). */
const USER_ID = /^[a-f0-9]{32}$/;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Checks one row on its own (not against the store or other rows): the fields are known ones,
 * the email is valid, the id has Gatehouse's shape, the hash is one Gatehouse verifies, the
 * roles exist, the profile claims are valid OpenID Connect claims. The first fault is the reason.
 */
export function parseImportRow(raw: RawRow, context: RowContext): RowVerdict {
  const { line } = raw;
  const reject = (reason: RejectReason, detail: string, email?: string): RowVerdict => ({
    ok: false,
    line,
    reason,
    detail,
    ...(email === undefined ? {} : { email }),
  });
  if ('error' in raw) return reject('invalid_row', raw.error, raw.email);
  if (!isObject(raw.value)) return reject('invalid_row', 'A row is a JSON object.');
  // Exports write null for what they do not have (jq's `.firstName` of a user without one).
  const value = Object.fromEntries(Object.entries(raw.value).filter(([, field]) => field !== null));
  const unknownField = Object.keys(value).find((key) => !IMPORT_FIELDS.has(key));
  if (unknownField !== undefined)
    return reject(
      'invalid_row',
      `Unknown field: ${unknownField.slice(0, 64)} (nothing is dropped silently).`,
    );
  const given = typeof value.email === 'string' ? value.email.slice(0, 320) : undefined;
  const email = given === undefined ? undefined : canonicalEmail(given);
  if (email === undefined) return reject('invalid_email', 'The email address is missing or invalid.', given);
  if (value.id !== undefined && (typeof value.id !== 'string' || !USER_ID.test(value.id)))
    return reject('invalid_id', 'id must be 32 lower-case hexadecimal characters.', email);
  for (const flag of ['email_verified', 'disabled'] as const)
    if (value[flag] !== undefined && typeof value[flag] !== 'boolean')
      return reject('invalid_row', `${flag} must be true or false.`, email);
  const roles = value.roles ?? [];
  if (!Array.isArray(roles) || roles.some((role) => typeof role !== 'string'))
    return reject('invalid_row', 'roles must be a list of role names.', email);
  const unknownRole = (roles as string[]).find((role) => !context.roles.has(role));
  if (unknownRole !== undefined)
    return reject('unknown_role', `Unknown role: ${unknownRole.slice(0, 64)}`, email);
  let passwordHash: string | undefined;
  if (value.password_hash !== undefined) {
    const hash = toStoredHash(value.password_hash, context.firebase);
    if (!hash.ok) return reject(hash.reason, hash.detail, email);
    passwordHash = hash.stored;
  }
  const claims = Object.fromEntries(Object.entries(value).filter(([key]) => PROFILE_CLAIMS.has(key)));
  let profile: ImportedUser['profile'];
  try {
    profile = parseUserProfile(claims);
  } catch (error) {
    if (!isGatehouseError(error)) throw error;
    return reject('invalid_profile', error.detail ?? error.title, email);
  }
  return {
    ok: true,
    row: {
      line,
      user: {
        id: typeof value.id === 'string' ? value.id : (context.presetIds?.get(line) ?? randomId(16)),
        email,
        disabled: value.disabled === true,
        emailVerified: value.email_verified === true,
        passwordHash,
        profile,
        roles: [...new Set(roles as string[])],
      },
    },
  };
}
