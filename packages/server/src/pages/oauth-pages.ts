import { html, SafeHtml } from './html.ts';
import { layout } from './layout.ts';

/** Human names for the scopes Gatehouse itself defines; API scopes are shown as they are. */
const SCOPE_TEXT: Record<string, string> = {
  openid: 'Confirm who you are (your Gatehouse account id)',
  profile: 'See your name and other profile details',
  email: 'See your email address',
  address: 'See your postal address',
  phone: 'See your phone number',
  offline_access: 'Stay connected when you are not using it (refresh tokens)',
};

export interface ConsentPageInput {
  nonce: string;
  csrf: string;
  uid: string;
  clientName: string;
  clientId: string;
  userEmail: string;
  /** OpenID scopes being asked for now. */
  scopes: readonly string[];
  /** Profile claims asked for one by one (the `claims` request parameter). */
  claims?: readonly string[];
  /** API scopes by resource indicator. */
  resources: ReadonlyArray<{ resource: string; scopes: readonly string[] }>;
  /** API scopes naming a permission the user does not hold: granting them gives the app nothing. */
  notHeld?: readonly string[];
}

/** The consent step: who asks, for what, at which APIs. Script-free; allow and deny are one form. */
export function consentPage(input: ConsentPageInput): string {
  return layout({
    title: 'Allow access?',
    nonce: input.nonce,
    body: html`
<h1>Allow <span id="client-name">${input.clientName}</span> to access your account?</h1>
<p>Signed in as <strong>${input.userEmail}</strong>. The application <code>${input.clientId}</code> is asking to:</p>
<ul id="scopes">
${input.scopes.map((scope) => html`<li><code>${scope}</code> — ${SCOPE_TEXT[scope] ?? 'Use this permission'}</li>`)}
${(input.claims ?? []).map((claim) => html`<li><code>${claim}</code> — See this detail of your profile</li>`)}
</ul>
${
  input.resources.length === 0
    ? ''
    : html`<h2>At these services</h2>
<table id="resources"><thead><tr><th scope="col">Service</th><th scope="col">Permissions</th></tr></thead><tbody>
${input.resources.map(
  (r) =>
    html`<tr><td><code>${r.resource}</code></td><td>${r.scopes.length === 0 ? 'none' : r.scopes.map((s) => html`<code>${s}</code>${input.notHeld?.includes(s) ? html` <em>(you do not have this permission)</em>` : ''} `)}</td></tr>`,
)}
</tbody></table>
${
  (input.notHeld?.length ?? 0) === 0
    ? ''
    : html`<p class="notice" id="not-held">An application can never do more than you can: permissions you do not hold stay unusable.</p>`
}`
}
<p>You can withdraw this at any time under <em>Connected applications</em> on your account page.</p>
<form method="post" action="/oauth/interaction/${input.uid}/consent" class="stack">
  <input type="hidden" name="csrf" value="${input.csrf}">
  <button type="submit" name="decision" value="allow">Allow</button>
  <button type="submit" name="decision" value="deny" class="secondary">Deny</button>
</form>`,
  });
}

/**
 * A page around a form the OAuth engine generated (it carries the engine's own anti-forgery field
 * and is referenced by id from the buttons). `engineForm` is engine output, trusted as HTML.
 */
export function engineFormPage(input: {
  nonce: string;
  title: string;
  intro: SafeHtml;
  engineForm: string;
  controls: SafeHtml;
}): string {
  return layout({
    title: input.title,
    nonce: input.nonce,
    body: html`<h1>${input.title}</h1>${input.intro}${new SafeHtml(input.engineForm)}<div class="stack">${input.controls}</div>`,
  });
}

/**
 * The device-flow code entry (RFC 8628 §3.3): one form, one labelled `user_code` field, the
 * engine's anti-forgery secret as a hidden field. Built here rather than around the engine's form,
 * whose own unlabelled `user_code` input would travel with ours: two values, which the engine refuses.
 */
export function deviceCodePage(input: {
  nonce: string;
  action: string;
  xsrf: string;
  message: string;
  userCode?: string | undefined;
}): string {
  return layout({
    title: 'Connect a device',
    nonce: input.nonce,
    body: html`<h1>Connect a device</h1>
<p role="status">${input.message}</p>
<form method="post" action="${input.action}" class="stack" id="device-code-form">
  <input type="hidden" name="xsrf" value="${input.xsrf}">
  <label for="user_code">Code
  <input id="user_code" name="user_code" value="${input.userCode ?? ''}" autocomplete="one-time-code" autocapitalize="characters" spellcheck="false" required maxlength="32" autofocus></label>
  <button type="submit">Continue</button>
</form>`,
  });
}

export function messagePage(input: { nonce: string; title: string; message: string }): string {
  return layout({
    title: input.title,
    nonce: input.nonce,
    body: html`<h1>${input.title}</h1><p role="status">${input.message}</p>`,
  });
}

export interface ApplicationsPageInput {
  nonce: string;
  csrf: string;
  applications: ReadonlyArray<{
    grantId: string;
    clientId: string;
    clientName: string;
    scopes: readonly string[];
    resources: ReadonlyArray<{ resource: string; scopes: readonly string[] }>;
  }>;
  notice?: string | undefined;
}

/** "Connected applications": what the user delegated, to whom, and a button to take it back. */
export function applicationsPage(input: ApplicationsPageInput): string {
  const rows = input.applications.map(
    (app) => html`<tr>
  <td><strong>${app.clientName}</strong><br><code>${app.clientId}</code></td>
  <td>${app.scopes.map((s) => html`<code>${s}</code> `)}</td>
  <td>${app.resources.map((r) => html`<code>${r.resource}</code>: ${r.scopes.join(' ') || 'none'}<br>`)}</td>
  <td><form method="post" action="/account/applications/${app.grantId}/revoke">
    <input type="hidden" name="csrf" value="${input.csrf}">
    <button class="secondary" type="submit" aria-label="Disconnect ${app.clientName}">Disconnect</button>
  </form></td>
</tr>`,
  );
  return layout({
    title: 'Connected applications',
    nonce: input.nonce,
    body: html`
<header><h1>Connected applications</h1><a href="/account">Back to your account</a></header>
${input.notice === undefined ? '' : html`<p class="notice" role="status">${input.notice}</p>`}
<p>Applications you allowed to act on your behalf. Disconnecting one withdraws your consent and ends every token it holds.</p>
${
  input.applications.length === 0
    ? html`<p id="no-applications">No application is connected.</p>`
    : html`<table id="applications"><thead><tr><th scope="col">Application</th><th scope="col">Identity scopes</th><th scope="col">API access</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>${rows}</tbody></table>`
}`,
  });
}
