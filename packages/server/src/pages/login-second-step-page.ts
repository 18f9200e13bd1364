import { html } from './html.ts';
import { layout } from './layout.ts';

export interface SecondStepPageInput {
  nonce: string;
  csrf: string;
  returnTo: string;
  /** The pending login's id (not a session: it reaches nothing but this form's target). */
  transaction: string;
  /** Show the recovery-code field instead of the authenticator code. */
  recovery?: boolean;
  error?: string;
}

/**
 * The sign-in page's second step: an authenticator code, or a recovery code. Two plain forms
 * (no JavaScript): "Use a recovery code" re-renders the step with the other field.
 */
export function loginSecondStepPage(input: SecondStepPageInput): string {
  const hidden = html`<input type="hidden" name="csrf" value="${input.csrf}">
  <input type="hidden" name="return_to" value="${input.returnTo}">
  <input type="hidden" name="transaction" value="${input.transaction}">`;
  const field =
    input.recovery === true
      ? html`<label for="recovery_code">Recovery code
    <input id="recovery_code" name="recovery_code" type="text" autocomplete="off" autocapitalize="none" spellcheck="false" required maxlength="64" autofocus>
  </label>`
      : html`<label for="code">Code from your authenticator app
    <input id="code" name="code" type="text" inputmode="numeric" pattern="[0-9]{6}" autocomplete="one-time-code" required maxlength="6" autofocus>
  </label>`;
  return layout({
    title: 'Two-step verification',
    nonce: input.nonce,
    body: html`
<h1>Two-step verification</h1>
${input.error === undefined ? '' : html`<p class="error" role="alert" id="mfa-error">${input.error}</p>`}
<form class="stack" method="post" action="/login/mfa" ${input.error === undefined ? '' : html`aria-describedby="mfa-error"`}>
  ${hidden}
  ${field}
  <button type="submit">Verify</button>
</form>
<form class="stack" method="post" action="/login/mfa">
  ${hidden}
  <input type="hidden" name="switch" value="${input.recovery === true ? 'code' : 'recovery_code'}">
  <button type="submit" class="secondary">${input.recovery === true ? 'Use your authenticator app' : 'Use a recovery code'}</button>
</form>`,
  });
}
