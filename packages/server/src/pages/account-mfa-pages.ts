import type { SecondFactorsOverview } from '../commands/second-factors.ts';
import { html, SafeHtml } from './html.ts';
import { layout } from './layout.ts';

const when = (ms: number) => `${new Date(ms).toISOString().replace('T', ' ').slice(0, 19)} UTC`;

/** The account page's "Two-step verification" section: factors, adding one, recovery codes. */
export function accountMfaSection(overview: SecondFactorsOverview, csrf: string): SafeHtml {
  const active = overview.factors.filter((f) => f.confirmed);
  const rows = active.map(
    (f) => html`<tr>
  <td>${f.name}</td>
  <td>${when(f.createdAt)}</td>
  <td>${f.lastUsedAt === null ? 'never' : when(f.lastUsedAt)}</td>
  <td><form class="stack" method="post" action="/account/mfa/${f.id}/delete">
    <input type="hidden" name="csrf" value="${csrf}">
    <label>Current password <input name="current_password" type="password" required autocomplete="current-password" maxlength="1024"></label>
    ${active.length === 1 ? html`<p>This is your last second factor: removing it means your password alone signs you in.</p>` : ''}
    <button class="secondary" type="submit" aria-label="Remove ${f.name}">Remove</button>
  </form></td>
</tr>`,
  );
  return html`<section aria-labelledby="mfa">
  <h2 id="mfa">Two-step verification</h2>
  ${
    rows.length === 0
      ? html`<p>Two-step verification is off: add an authenticator app so that signing in also asks for a code.</p>`
      : html`<table>
    <thead><tr><th scope="col">Authenticator app</th><th scope="col">Added</th><th scope="col">Last used</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
    <tbody>${rows}</tbody>
  </table>
  <p id="recovery-codes-left">Recovery codes left: ${String(overview.recoveryCodesLeft)}</p>
  <form class="stack" method="post" action="/account/mfa/recovery-codes/new">
    <input type="hidden" name="csrf" value="${csrf}">
    <label>Current password <input name="current_password" type="password" required autocomplete="current-password" maxlength="1024"></label>
    <button class="secondary" type="submit">Generate new recovery codes</button>
  </form>`
  }
  <form class="stack" method="post" action="/account/mfa/totp/new">
    <input type="hidden" name="csrf" value="${csrf}">
    <label>Name of the app or device <input name="name" required maxlength="64" value="Authenticator app"></label>
    <label>Your password <input name="current_password" type="password" required autocomplete="current-password" maxlength="1024"></label>
    <button type="submit">Add an authenticator app</button>
  </form>
</section>`;
}

/** Scan or type the key, then confirm with a first code. The QR code is inline SVG made by us. */
export function totpEnrolmentPage(input: {
  nonce: string;
  csrf: string;
  id: string;
  secret: string;
  qrSvg: string;
}): string {
  return layout({
    title: 'Add an authenticator app',
    nonce: input.nonce,
    body: html`
<h1>Add an authenticator app</h1>
<p>Scan this code with your authenticator app, or type the key in by hand.</p>
<figure class="qr" aria-label="QR code of the key">${new SafeHtml(input.qrSvg)}</figure>
<p>Key: <code id="totp-secret">${input.secret.replace(/(.{4})/g, '$1 ').trim()}</code></p>
<form class="stack" method="post" action="/account/mfa/totp/${input.id}/activate">
  <input type="hidden" name="csrf" value="${input.csrf}">
  <label for="code">Code shown by the app
    <input id="code" name="code" type="text" inputmode="numeric" pattern="[0-9]{6}" autocomplete="one-time-code" required maxlength="6" autofocus>
  </label>
  <button type="submit">Turn on two-step verification</button>
</form>
<p><a href="/account#mfa">Cancel</a></p>`,
  });
}

/** Recovery codes, shown once (the answer is `no-store`). */
export function recoveryCodesPage(input: { nonce: string; codes: readonly string[] }): string {
  return layout({
    title: 'Your recovery codes',
    nonce: input.nonce,
    body: html`
<h1>Your recovery codes</h1>
<p class="notice" role="status">Two-step verification is on. Keep these codes somewhere safe: each signs you in once if you lose your device. They are shown only now.</p>
<ul id="recovery-codes">${input.codes.map((code) => html`<li><code>${code}</code></li>`)}</ul>
<p><a href="/account#mfa">Back to your account</a></p>`,
  });
}
