import type { AuditEvent } from '@gatehouse/core';

/** JSON columns are written only by this package; reading checks the shape anyway, so a bad row fails loudly. */
export function parseStringArray(text: string, column: string): string[] {
  const value: unknown = JSON.parse(text);
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value;
  throw new Error(`${column} is not a JSON array of strings`);
}

export function parseDetails(text: string): AuditEvent['details'] {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('audit_events.details is not a JSON object');
  }
  const details: Record<string, string | number | boolean | null> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item !== null && !['string', 'number', 'boolean'].includes(typeof item)) {
      throw new Error(`audit_events.details.${key} is not a scalar`);
    }
    details[key] = item as string | number | boolean | null;
  }
  return details;
}
