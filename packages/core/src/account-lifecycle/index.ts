import type { LifecycleEvents } from '../lifecycle-events.ts';
import type { SessionManager } from '../session-manager.ts';
import type { AccountFlowContext } from './context.ts';
import { EmailChange } from './email-change.ts';
import { EmailVerification } from './email-verification.ts';
import { Invitations } from './invitations.ts';
import { PasswordReset } from './password-reset.ts';
import { SignUp, type SignUpPolicy } from './sign-up.ts';

export {
  type AccountTokenPurpose,
  type AccountTokenRecord,
  type AccountTokenStore,
  AccountTokens,
  type IssuedAccountToken,
} from './account-tokens.ts';
export {
  type AccountFlowContext,
  type AccountLinkLifetimes,
  defaultAccountLinkLifetimes,
} from './context.ts';
export { DeferredWork } from './deferred-work.ts';
export { CONFIRM_EMAIL_CHANGE_PATH, EmailChange, UNDO_EMAIL_CHANGE_PATH } from './email-change.ts';
export { EmailVerification, VERIFY_EMAIL_PATH } from './email-verification.ts';
export { INVITATION_PATH, type Invitation, Invitations } from './invitations.ts';
export { defaultMailThrottlePolicy, MailThrottle, type MailThrottlePolicy } from './mail-throttle.ts';
export { PasswordReset, RESET_PASSWORD_PATH } from './password-reset.ts';
export { type RegistrationMode, SignUp, type SignUpInput, type SignUpPolicy } from './sign-up.ts';

/** The account lifecycle's flows, over one context. */
export interface AccountFlows {
  readonly signUp: SignUp;
  readonly verification: EmailVerification;
  readonly reset: PasswordReset;
  readonly emailChange: EmailChange;
  readonly invitations: Invitations;
  /** Resolves once the work requests left for after their response is done (tests, shutdown). */
  idle(): Promise<void>;
}

export function createAccountFlows(
  context: AccountFlowContext,
  options: {
    signUp: SignUpPolicy;
    events: LifecycleEvents;
    sessions: SessionManager;
  },
): AccountFlows {
  const verification = new EmailVerification(context);
  return {
    signUp: new SignUp(context, options.signUp, verification),
    verification,
    reset: new PasswordReset(context, options.events),
    emailChange: new EmailChange(context, options.sessions, options.signUp.domains),
    invitations: new Invitations(context),
    idle: () => context.deferred.idle(),
  };
}
