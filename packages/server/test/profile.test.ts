import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  asSession,
  createHarness,
  createUser,
  type Harness,
  login,
  strongPassword,
} from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('user profiles (OpenID Connect standard claims)', () => {
  it('a user reads and replaces their own profile; the audit names the claims, not their values', async () => {
    const password = strongPassword();
    await createUser(h, 'grace@example.test', password);
    const grace = await login(h.app, 'grace@example.test', password);
    const empty = await asSession(h.app, grace, 'GET', '/account/profile');
    expect(empty.statusCode).toBe(200);
    expect(empty.json()).toEqual({});
    const put = await asSession(h.app, grace, 'PUT', '/account/profile', {
      name: 'Grace Hopper',
      locale: 'en-US',
      address: { locality: 'Arlington', country: 'US' },
    });
    expect(put.statusCode).toBe(200);
    expect(put.headers['cache-control']).toBe('no-store');
    const read = await asSession(h.app, grace, 'GET', '/account/profile');
    expect(read.json()).toEqual({
      name: 'Grace Hopper',
      locale: 'en-US',
      address: { locality: 'Arlington', country: 'US' },
    });
    const [event] = await h.gatehouse.storage.audit.list({ limit: 1, type: 'user.profile_updated' });
    expect(event?.details).toEqual({ claims: 'address locale name' });
    expect(JSON.stringify(event)).not.toContain('Grace Hopper');
  });

  it('a write without the CSRF token is refused, and bad claims get a located 400', async () => {
    const password = strongPassword();
    await createUser(h, 'alan@example.test', password);
    const alan = await login(h.app, 'alan@example.test', password);
    const forged = await h.app.inject({
      method: 'PUT',
      url: '/account/profile',
      headers: { cookie: alan.cookie },
      payload: { name: 'Mallory' },
    });
    expect(forged.statusCode).toBe(403);
    const bad = await asSession(h.app, alan, 'PUT', '/account/profile', { phone_number: '12345' });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect(bad.json().detail).toContain('phone_number');
    const list = await asSession(h.app, alan, 'PUT', '/account/profile', [{ name: 'x' }]);
    expect(list.statusCode).toBe(400);
    expect((await asSession(h.app, alan, 'GET', '/account/profile')).json()).toEqual({});
  });

  it('administrators read and set any user profile; unknown users are 404', async () => {
    const admin = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
    const user = await createUser(h, 'katherine@example.test', strongPassword());
    const url = `/admin/v1/users/${user.id}/profile`;
    const put = await asSession(h.app, admin, 'PUT', url, {
      name: 'Katherine Johnson',
      phone_number: '+15551234567',
    });
    expect(put.statusCode).toBe(200);
    expect((await asSession(h.app, admin, 'GET', url)).json()).toEqual({
      name: 'Katherine Johnson',
      phone_number: '+15551234567',
    });
    const missing = await asSession(h.app, admin, 'PUT', `/admin/v1/users/${'0'.repeat(32)}/profile`, {
      name: 'x',
    });
    expect(missing.statusCode).toBe(404);
    // Without users:write, another user's profile is out of reach.
    const password = strongPassword();
    await createUser(h, 'plain@example.test', password);
    const plain = await login(h.app, 'plain@example.test', password);
    expect((await asSession(h.app, plain, 'PUT', url, { name: 'Someone else' })).statusCode).toBe(403);
    expect((await asSession(h.app, plain, 'GET', url)).statusCode).toBe(403);
  });
});

describe('what a user may say about themselves', () => {
  it('a user cannot vouch for their own phone number; an administrator can, until the number changes', async () => {
    const password = strongPassword();
    const user = await createUser(h, 'mary@example.test', password);
    const mary = await login(h.app, 'mary@example.test', password);
    const claimed = await asSession(h.app, mary, 'PUT', '/account/profile', {
      phone_number: '+15551230000',
      phone_number_verified: true,
    });
    expect(claimed.statusCode).toBe(400);
    expect(claimed.json().detail).toContain('phone_number_verified');
    const admin = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
    const url = `/admin/v1/users/${user.id}/profile`;
    expect(
      (
        await asSession(h.app, admin, 'PUT', url, {
          phone_number: '+15551230000',
          phone_number_verified: true,
        })
      ).statusCode,
    ).toBe(200);
    // The same number again (and another claim): still verified.
    const kept = await asSession(h.app, mary, 'PUT', '/account/profile', {
      phone_number: '+15551230000',
      nickname: 'mary',
    });
    expect(kept.json()).toEqual({
      phone_number: '+15551230000',
      phone_number_verified: true,
      nickname: 'mary',
    });
    // A new number is not verified.
    const changed = await asSession(h.app, mary, 'PUT', '/account/profile', { phone_number: '+15551239999' });
    expect(changed.json()).toEqual({ phone_number: '+15551239999' });
    // Verified again by an administrator, then cleared on the page form: the flag goes with it.
    await asSession(h.app, admin, 'PUT', url, { phone_number: '+15551239999', phone_number_verified: true });
    const cleared = await h.app.inject({
      method: 'POST',
      url: '/account/profile',
      headers: { cookie: mary.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ csrf: mary.csrf, phone_number: '', nickname: 'mary' }).toString(),
    });
    expect(cleared.headers.location).toBe('/account?profile_saved=1');
    expect(await h.gatehouse.accounts.profileOf(user.id)).toEqual({ nickname: 'mary' });
  });

  it('the account page shows the profile and saves its form, keeping claims the form does not show', async () => {
    const password = strongPassword();
    const user = await createUser(h, 'edith@example.test', password);
    const edith = await login(h.app, 'edith@example.test', password);
    await h.gatehouse.accounts.updateProfile(user.id, { birthdate: '1906-12-09', name: 'Old Name' });
    const form = (fields: Record<string, string>) =>
      h.app.inject({
        method: 'POST',
        url: '/account/profile',
        headers: { cookie: edith.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ csrf: edith.csrf, ...fields }).toString(),
      });
    const saved = await form({
      name: 'Edith Clarke',
      locale: 'en-US',
      locality: 'Ellicott City',
      country: 'US',
    });
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe('/account?profile_saved=1');
    expect(await h.gatehouse.accounts.profileOf(user.id)).toEqual({
      birthdate: '1906-12-09',
      name: 'Edith Clarke',
      locale: 'en-US',
      address: { locality: 'Ellicott City', country: 'US' },
    });
    const page = await h.app.inject({
      method: 'GET',
      url: '/account?profile_saved=1',
      headers: { cookie: edith.cookie, accept: 'text/html' },
    });
    expect(page.body).toContain('Your profile was saved.');
    expect(page.body).toContain('value="Edith Clarke"');
    const bad = await form({ phone_number: 'call me', name: 'Edith Clarke' });
    expect(bad.statusCode).toBe(303);
    expect(bad.headers.location).toBe('/account?profile_error=1');
    expect((await h.gatehouse.accounts.profileOf(user.id)).name).toBe('Edith Clarke');
    const forged = await h.app.inject({
      method: 'POST',
      url: '/account/profile',
      headers: { cookie: edith.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'csrf=wrong&name=Mallory',
    });
    expect(forged.statusCode).toBe(403);
  });
});
