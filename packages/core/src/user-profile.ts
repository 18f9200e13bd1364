import { GatehouseError } from './errors.ts';

/** OpenID Connect §5.1.1: the postal address claim. */
export interface AddressClaim {
  readonly formatted?: string;
  readonly street_address?: string;
  readonly locality?: string;
  readonly region?: string;
  readonly postal_code?: string;
  readonly country?: string;
}

/**
 * What a user's profile may say about them: the OpenID Connect standard claims (§5.1) of the
 * `profile`, `address` and `phone` scopes, by their claim names. `sub` and `email` are not here:
 * they are the account's identity, not its profile.
 */
export interface UserProfile {
  readonly name?: string;
  readonly given_name?: string;
  readonly family_name?: string;
  readonly middle_name?: string;
  readonly nickname?: string;
  readonly preferred_username?: string;
  readonly profile?: string;
  readonly picture?: string;
  readonly website?: string;
  readonly gender?: string;
  readonly birthdate?: string;
  readonly zoneinfo?: string;
  readonly locale?: string;
  readonly phone_number?: string;
  readonly phone_number_verified?: boolean;
  readonly address?: AddressClaim;
}

/** The claims each OpenID scope releases (OIDC §5.4), Gatehouse's own `sub`/`email` included. */
export const CLAIMS_BY_SCOPE = {
  openid: ['sub'],
  email: ['email', 'email_verified'],
  profile: [
    'name',
    'given_name',
    'family_name',
    'middle_name',
    'nickname',
    'preferred_username',
    'profile',
    'picture',
    'website',
    'gender',
    'birthdate',
    'zoneinfo',
    'locale',
  ],
  address: ['address'],
  phone: ['phone_number', 'phone_number_verified'],
} as const;

/**
 * The claims of `requested` (asked for one by one with the `claims` request parameter) that a
 * client registered for `clientScopes` may receive: a claim that belongs to an OpenID scope needs
 * that scope in the client's registration, so the parameter never reaches past it.
 */
export function claimsWithinScopes(requested: readonly string[], clientScopes: readonly string[]): string[] {
  return requested.filter((claim) => {
    const scope = SCOPE_OF_CLAIM.get(claim);
    return scope === undefined || clientScopes.includes(scope);
  });
}

/** Each scoped claim's one scope (no claim belongs to two). */
const SCOPE_OF_CLAIM = new Map<string, string>(
  Object.entries(CLAIMS_BY_SCOPE).flatMap(([scope, claims]) =>
    claims.map((claim) => [claim, scope] as const),
  ),
);

const TEXT_CLAIMS = [
  'name',
  'given_name',
  'family_name',
  'middle_name',
  'nickname',
  'preferred_username',
  'gender',
];
const URL_CLAIMS = ['profile', 'picture', 'website'];
const ADDRESS_PARTS = ['formatted', 'street_address', 'locality', 'region', 'postal_code', 'country'];
const MAX_TEXT = 200;
/** E.164 (OIDC §5.1 recommends it): a plus and up to 15 digits, optionally `;ext=` digits. */
const PHONE = /^\+[1-9]\d{1,14}(;ext=\d{1,10})?$/;
/** OIDC §5.1: YYYY-MM-DD, or 0000-MM-DD when the year is withheld, or just YYYY. */
const BIRTHDATE = /^(\d{4})(-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]))?$/;
/** BCP 47 language tag, as OIDC shows it (`en-US`, `fr-CA`, `de`). */
const LOCALE = /^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8}){0,3}$/;
/** An IANA time-zone name (`Europe/Paris`, `America/Argentina/Buenos_Aires`, `UTC`). */
const ZONEINFO = /^[A-Za-z]+(\/[A-Za-z0-9_+-]+){0,2}$/;
/** C0 and C1 control characters (tabs and line breaks included). */
const CONTROL = /\p{Cc}/u;

const invalid = (detail: string) => new GatehouseError('invalid_request', { detail });

/**
 * Validates a whole profile (a replacement, not a patch): only the claims above, each of its type,
 * bounded in length, URLs https, phone numbers E.164, dates and zones in their OIDC shapes. Empty
 * strings drop a claim. The error names the claim at fault and never echoes its value.
 */
export function parseUserProfile(input: unknown): UserProfile {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw invalid('The profile must be a JSON object.');
  const out: Record<string, unknown> = {};
  for (const [claim, value] of Object.entries(input as Record<string, unknown>)) {
    if (value === null || value === '') continue;
    if (TEXT_CLAIMS.includes(claim)) out[claim] = text(claim, value);
    else if (URL_CLAIMS.includes(claim)) out[claim] = httpsUrl(claim, value);
    else if (claim === 'birthdate') out[claim] = matching(claim, value, BIRTHDATE, 'YYYY-MM-DD or YYYY');
    else if (claim === 'zoneinfo') out[claim] = timeZone(value);
    else if (claim === 'locale') out[claim] = matching(claim, value, LOCALE, 'a BCP 47 language tag');
    else if (claim === 'phone_number') out[claim] = matching(claim, value, PHONE, 'E.164, like +15551234567');
    else if (claim === 'phone_number_verified') {
      if (typeof value !== 'boolean') throw invalid('phone_number_verified must be true or false.');
      out[claim] = value;
    } else if (claim === 'address') {
      const address = addressOf(value);
      if (Object.keys(address).length > 0) out[claim] = address;
    } else throw invalid(`Unknown profile claim: ${claim.slice(0, 64)}.`);
  }
  if (out.phone_number_verified !== undefined && out.phone_number === undefined)
    throw invalid('phone_number_verified needs a phone_number.');
  return out as UserProfile;
}

function text(claim: string, value: unknown): string {
  if (typeof value !== 'string' || value.length > MAX_TEXT || CONTROL.test(value))
    throw invalid(`${claim} must be text of at most ${MAX_TEXT} characters.`);
  return value.normalize('NFC');
}

function httpsUrl(claim: string, value: unknown): string {
  const url = typeof value === 'string' && value.length <= 2048 ? URL.parse(value) : null;
  if (url === null || url.protocol !== 'https:' || url.username !== '' || url.password !== '')
    throw invalid(`${claim} must be an https URL.`);
  return url.href;
}

function matching(claim: string, value: unknown, pattern: RegExp, shape: string): string {
  if (typeof value !== 'string' || !pattern.test(value)) throw invalid(`${claim} must be ${shape}.`);
  return value;
}

function timeZone(value: unknown): string {
  const zone = matching('zoneinfo', value, ZONEINFO, 'an IANA time zone, like Europe/Paris');
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
  } catch {
    throw invalid('zoneinfo must be an IANA time zone, like Europe/Paris.');
  }
  return zone;
}

function addressOf(value: unknown): AddressClaim {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid('address must be an object.');
  const out: Record<string, string> = {};
  for (const [part, partValue] of Object.entries(value as Record<string, unknown>)) {
    if (!ADDRESS_PARTS.includes(part)) throw invalid(`Unknown address member: ${part.slice(0, 64)}.`);
    if (partValue === null || partValue === '') continue;
    // `formatted` may span lines (OIDC §5.1.1); the other parts are single lines.
    const limit = part === 'formatted' ? 500 : MAX_TEXT;
    const problem = invalid(`address.${part} must be text of at most ${limit} characters.`);
    if (typeof partValue !== 'string' || partValue.length > limit) throw problem;
    if (CONTROL.test(part === 'formatted' ? partValue.replace(/\r?\n/g, '') : partValue)) throw problem;
    out[part] = partValue.normalize('NFC');
  }
  return out;
}
