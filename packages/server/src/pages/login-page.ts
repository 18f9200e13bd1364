import { html } from './html.ts';
import { layout } from './layout.ts';

export interface LoginPageInput {
  nonce: string;
  csrf: string;
  returnTo: string;
  error?: string;
  notice?: string;
  /**
   * Inside an OAuth authorization: where "Cancel" posts (ends it with access_denied at the
   * client). A separate form, so cancelling never needs the email and password fields.
   */
  cancelAction?: string;
  /** GATEHOUSE_REGISTRATION=open: the page links to sign-up. */
  signUpOpen?: boolean;
}

export function loginPage(input: LoginPageInput): string {
  return layout({
    title: 'Sign in',
    nonce: input.nonce,
    body: html`
<h1>Sign in to Gatehouse</h1>
${input.notice === undefined ? '' : html`<p class="notice" role="status">${input.notice}</p>`}
${input.error === undefined ? '' : html`<p class="error" role="alert" id="login-error">${input.error}</p>`}
<form class="stack" method="post" action="/login" ${input.error === undefined ? '' : html`aria-describedby="login-error"`}>
  <input type="hidden" name="csrf" value="${input.csrf}">
  <input type="hidden" name="return_to" value="${input.returnTo}">
  <label for="email">Email
    <input id="email" name="email" type="email" autocomplete="username" required maxlength="254" autofocus>
  </label>
  <label for="password">Password
    <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024">
  </label>
  <button type="submit">Sign in</button>
</form>
<p><a href="/forgot-password">Forgot your password?</a>${input.signUpOpen === true ? html` · <a href="/signup">Create an account</a>` : ''}</p>
${
  input.cancelAction === undefined
    ? ''
    : html`<form class="stack" method="post" action="${input.cancelAction}">
  <input type="hidden" name="csrf" value="${input.csrf}">
  <button type="submit" class="secondary">Cancel</button>
</form>`
}`,
  });
}
