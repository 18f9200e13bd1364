import { html } from './html.ts';
import { layout } from './layout.ts';

/** GET /logout never logs out (no state change on GET); it offers the POST form. */
export function logoutPage(input: { nonce: string; csrf: string | undefined }): string {
  return layout({
    title: 'Sign out',
    nonce: input.nonce,
    body:
      input.csrf === undefined
        ? html`<h1>You are signed out</h1><p><a href="/login">Sign in again</a></p>`
        : html`<h1>Sign out?</h1>
<form class="stack" method="post" action="/logout">
  <input type="hidden" name="csrf" value="${input.csrf}">
  <button type="submit">Sign out</button>
</form>
<p><a href="/account">Back to your account</a></p>`,
  });
}
