import { type PasswordPolicyOptions, passwordRefusal } from '@gatehouse/core';

const REASONS = ['too_short', 'too_long', 'common', 'context', 'breached'] as const;

/**
 * The account page's notices for a refused new password, one query flag per policy reason. The
 * page shows the fixed text of the flag it is given: nothing from the URL is echoed.
 */
export function passwordRefusalNotices(policy: PasswordPolicyOptions): (readonly [string, string])[] {
  return REASONS.map((reason) => [
    `password_${reason}`,
    `Your password was not changed. ${passwordRefusal(reason, policy)}`,
  ]);
}

/** The flag for a refusal's text, as the password rules wrote it; undefined for any other text. */
export function passwordRefusalFlag(
  detail: string | undefined,
  policy: PasswordPolicyOptions,
): string | undefined {
  const reason = REASONS.find((candidate) => passwordRefusal(candidate, policy) === detail);
  return reason === undefined ? undefined : `password_${reason}`;
}
