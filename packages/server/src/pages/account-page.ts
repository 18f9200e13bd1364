import type { SessionRecord, UserRecord } from '@gatehouse/core';
import { html } from './html.ts';
import { layout } from './layout.ts';

export interface AccountPageInput {
  nonce: string;
  csrf: string;
  user: UserRecord;
  roles: readonly string[];
  permissions: readonly string[];
  sessions: readonly SessionRecord[];
  currentSessionId: string;
  notice?: string;
}

const when = (ms: number) => `${new Date(ms).toISOString().replace('T', ' ').slice(0, 19)} UTC`;

export function accountPage(input: AccountPageInput): string {
  const rows = input.sessions.map(
    (s) => html`<tr>
  <td>${s.publicId === input.currentSessionId ? html`<strong>This device</strong><br>` : ''}${s.userAgent || 'Unknown client'}</td>
  <td>${s.ip}</td>
  <td>${when(s.createdAt)}</td>
  <td>${when(s.lastSeenAt)}</td>
  <td><form method="post" action="/account/sessions/${s.publicId}/revoke">
    <input type="hidden" name="csrf" value="${input.csrf}">
    <button class="secondary" type="submit" aria-label="Revoke session started ${when(s.createdAt)}">Revoke</button>
  </form></td>
</tr>`,
  );
  return layout({
    title: 'Your account',
    nonce: input.nonce,
    body: html`
<header>
  <h1>Your account</h1>
  <form method="post" action="/logout">
    <input type="hidden" name="csrf" value="${input.csrf}">
    <button type="submit">Sign out</button>
  </form>
</header>
${input.notice === undefined ? '' : html`<p class="notice" role="status">${input.notice}</p>`}
<section aria-labelledby="who">
  <h2 id="who">Who you are</h2>
  <dl>
    <dt>Email</dt><dd id="account-email">${input.user.email}</dd>
    <dt>User id</dt><dd><code>${input.user.id}</code></dd>
    <dt>Roles</dt><dd>${input.roles.length === 0 ? 'none' : input.roles.join(', ')}</dd>
    <dt>Permissions</dt><dd>${input.permissions.length === 0 ? 'none' : input.permissions.join(', ')}</dd>
  </dl>
</section>
<p><a href="/account/applications">Connected applications</a></p>
<section aria-labelledby="sessions">
  <h2 id="sessions">Your sessions</h2>
  <table>
    <thead><tr><th scope="col">Client</th><th scope="col">IP</th><th scope="col">Signed in</th><th scope="col">Last active</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
    <tbody>${rows}</tbody>
  </table>
</section>`,
  });
}
