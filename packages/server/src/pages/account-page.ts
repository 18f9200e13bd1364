import type { ApiKeyRecord, SessionRecord, UserProfile, UserRecord } from '@gatehouse/core';
import type { SecondFactorsOverview } from '../commands/second-factors.ts';
import { accountEmailSection } from './account-email-section.ts';
import { accountMfaSection } from './account-mfa-pages.ts';
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
  apiKeys: readonly ApiKeyRecord[];
  profile: UserProfile;
  now: number;
  /** The password policy's minimum, for the new-password field's hint. */
  passwordMinLength: number;
  notice?: string;
  /** The "Two-step verification" section (docs/mfa.md). */
  secondFactors?: SecondFactorsOverview;
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
  const live = input.apiKeys.filter(
    (k) => k.revokedAt === null && (k.expiresAt === null || k.expiresAt > input.now),
  );
  const keyRows = live.map(
    (k) => html`<tr>
  <td>${k.name}<br><code>gatehouse_${k.id}_…${k.lastFour}</code></td>
  <td>${k.scopes.join(', ')}</td>
  <td>${k.expiresAt === null ? 'never' : when(k.expiresAt)}</td>
  <td>${k.lastUsedAt === null ? 'never' : when(k.lastUsedAt)}</td>
  <td><form method="post" action="/account/api-keys/${k.id}/revoke">
    <input type="hidden" name="csrf" value="${input.csrf}">
    <button class="secondary" type="submit" aria-label="Revoke API key ${k.name}">Revoke</button>
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
${accountEmailSection(input.user, input.csrf)}
<p><a href="/account/applications">Connected applications</a></p>
<section aria-labelledby="sessions">
  <h2 id="sessions">Your sessions</h2>
  <table>
    <thead><tr><th scope="col">Client</th><th scope="col">IP</th><th scope="col">Signed in</th><th scope="col">Last active</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
    <tbody>${rows}</tbody>
  </table>
</section>
<section aria-labelledby="api-keys">
  <h2 id="api-keys">API keys</h2>
  <p>Keys let scripts and services call APIs as you. A key can do only what its scopes allow <em>and</em> you are allowed to do.</p>
  ${
    keyRows.length === 0
      ? html`<p>You have no active API keys.</p>`
      : html`<table>
    <thead><tr><th scope="col">Key</th><th scope="col">Scopes</th><th scope="col">Expires</th><th scope="col">Last used</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
    <tbody>${keyRows}</tbody>
  </table>`
  }
  <form class="stack" method="post" action="/account/api-keys/new">
    <input type="hidden" name="csrf" value="${input.csrf}">
    <label>Name <input name="name" required maxlength="100" placeholder="deploy script"></label>
    <label>Scopes <input name="scopes" required maxlength="500" placeholder="notes:read, notes:write"></label>
    <label>Expires
      <select name="expires_in">
        <option value="2592000">in 30 days</option>
        <option value="7776000" selected>in 90 days</option>
        <option value="31536000">in a year</option>
        <option value="">never</option>
      </select>
    </label>
    <button type="submit">Create API key</button>
  </form>
</section>
${input.secondFactors === undefined ? '' : accountMfaSection(input.secondFactors, input.csrf)}
${profileSection(input.profile, input.csrf)}
${passwordSection(input.csrf, input.passwordMinLength)}`,
  });
}

/** The profile fields a user edits here: claim, label, `autocomplete` token, input type, hint. */
export const PROFILE_FIELDS = [
  ['name', 'Full name', 'name', 'text', ''],
  ['given_name', 'Given name', 'given-name', 'text', ''],
  ['family_name', 'Family name', 'family-name', 'text', ''],
  ['nickname', 'Nickname', 'nickname', 'text', ''],
  ['website', 'Website', 'url', 'url', 'https://…'],
  ['locale', 'Language', 'language', 'text', 'en-GB'],
  ['zoneinfo', 'Time zone', 'off', 'text', 'Europe/London'],
  ['phone_number', 'Phone', 'tel', 'tel', '+442071234567'],
] as const;
export const ADDRESS_FIELDS = [
  ['street_address', 'Street', 'street-address'],
  ['locality', 'Town or city', 'address-level2'],
  ['region', 'Region', 'address-level1'],
  ['postal_code', 'Postal code', 'postal-code'],
  ['country', 'Country', 'country-name'],
] as const;

function profileSection(profile: UserProfile, csrf: string) {
  const claims = profile as Readonly<Record<string, unknown>>;
  const address = (profile.address ?? {}) as Readonly<Record<string, string | undefined>>;
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  return html`<section aria-labelledby="profile">
  <h2 id="profile">Profile</h2>
  <p>What an application you connect may see when you allow it your profile, address or phone.${
    profile.phone_number_verified === true ? ' Your phone number is verified.' : ''
  }</p>
  <form class="stack" method="post" action="/account/profile">
    <input type="hidden" name="csrf" value="${csrf}">
    ${PROFILE_FIELDS.map(
      ([claim, label, autocomplete, type, hint]) =>
        html`<label>${label} <input name="${claim}" type="${type}" maxlength="200" autocomplete="${autocomplete}" value="${text(claims[claim])}"${hint === '' ? '' : html` placeholder="${hint}"`}></label>`,
    )}
    <fieldset class="stack">
      <legend>Address</legend>
      ${ADDRESS_FIELDS.map(
        ([part, label, autocomplete]) =>
          html`<label>${label} <input name="${part}" maxlength="200" autocomplete="${autocomplete}" value="${text(address[part])}"></label>`,
      )}
    </fieldset>
    <button type="submit">Save profile</button>
  </form>
</section>`;
}

/** Changing the password: the current one again (re-authentication), then the new one. */
function passwordSection(csrf: string, minLength: number) {
  return html`<section aria-labelledby="password">
  <h2 id="password">Password</h2>
  <p>Changing it signs out every other session of yours. Use ${String(minLength)} characters or more; a passphrase of several words is easiest to remember.</p>
  <form class="stack" method="post" action="/account/password/change">
    <input type="hidden" name="csrf" value="${csrf}">
    <label>Current password <input name="current_password" type="password" required autocomplete="current-password" maxlength="1024"></label>
    <label>New password <input name="new_password" type="password" required autocomplete="new-password" minlength="${String(minLength)}" maxlength="1024"></label>
    <button type="submit">Change password</button>
  </form>
</section>`;
}
