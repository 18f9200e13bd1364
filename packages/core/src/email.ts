/**
 * Emails are unique by their canonical form: Unicode NFC, trimmed, lower-cased. Lower-casing the
 * local part is what users expect even though RFC 5321 allows case-sensitive mailboxes; no major
 * provider uses them. Dots and `+tags` are kept: they are different addresses. An address that
 * only looks like a taken one (`аlice` with a Cyrillic а) is refused as taken: see `emailSkeleton`.
 */
const MAX_EMAIL_LENGTH = 254;
const EMAIL = /^[^\s@<>()[\]\\,;:"]{1,64}@(?:[^\s@<>()[\]\\,;:".]+\.)+[^\s@<>()[\]\\,;:".]{2,}$/u;

export function canonicalEmail(raw: string): string | undefined {
  const value = raw.normalize('NFC').trim().toLowerCase();
  if (value.length === 0 || value.length > MAX_EMAIL_LENGTH) return undefined;
  if (!EMAIL.test(value)) return undefined;
  return value;
}
