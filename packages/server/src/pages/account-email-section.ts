import type { UserRecord } from '@gatehouse/core';
import { html, type SafeHtml } from './html.ts';

/**
 * The account page's email section: whether the address is verified (with a button for a new
 * link when it is not) and the change form, which asks for the password again.
 */
export function accountEmailSection(user: UserRecord, csrf: string): SafeHtml {
  return html`<section aria-labelledby="email-address">
  <h2 id="email-address">Email address</h2>
  <p id="email-status">${user.emailVerified ? 'Your address is verified.' : 'Your address is not verified yet.'}</p>
  ${
    user.emailVerified
      ? ''
      : html`<form method="post" action="/account/email/verification">
    <input type="hidden" name="csrf" value="${csrf}">
    <button type="submit" class="secondary">Send the verification link again</button>
  </form>`
  }
  <form class="stack" method="post" action="/account/email">
    <input type="hidden" name="csrf" value="${csrf}">
    <label for="new_email">New email address
      <input id="new_email" name="new_email" type="email" autocomplete="email" required maxlength="254">
    </label>
    <label for="email_current_password">Current password
      <input id="email_current_password" name="current_password" type="password" autocomplete="current-password" required maxlength="1024">
    </label>
    <button type="submit">Change email address</button>
  </form>
</section>`;
}
