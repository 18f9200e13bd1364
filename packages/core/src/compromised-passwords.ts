/**
 * Where a new password is looked up in lists of passwords known to attackers (NIST SP 800-63B
 * §3.1.1.2: "passwords obtained from previous breach corpuses"): a bundled list, an operator's own,
 * the Have I Been Pwned range API. Consulted after the policy's own rules, only for a password about
 * to be set — never at login, so a list's lookup cost or outage cannot slow or stop sign-in.
 */
export interface CompromisedPasswordCheck {
  /**
   * True when the (normalised) password is listed. A source that cannot answer (a network lookup
   * that timed out) answers false and reports it itself: the offline list still applies.
   */
  isCompromised(password: string): Promise<boolean>;
}

/** Listed when any of the checks lists it; asked in order, stopping at the first that does. */
export function anyCompromisedCheck(checks: readonly CompromisedPasswordCheck[]): CompromisedPasswordCheck {
  return {
    async isCompromised(password: string): Promise<boolean> {
      for (const check of checks) if (await check.isCompromised(password)) return true;
      return false;
    },
  };
}
