import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  asSession,
  createHarness,
  type Harness,
  login,
  strongPassword,
} from './harness.ts';
import { type Delivered, SmtpSink } from './smtp-sink.ts';

const ISSUER = 'https://id.example.test';

/**
 * The account flows through the real outbox, renderer and SMTP (smtp-server in process): every
 * template the flows use renders with the values they give, links point at the issuer, and
 * user-controlled values are escaped in HTML and cannot add a header.
 */
describe('account emails, delivered over SMTP', () => {
  let h: Harness;
  let smtp: SmtpSink;
  const post = (url: string, payload: Record<string, unknown>) =>
    h.app.inject({ method: 'POST', url, payload });
  /** Finishes the requests' deferred work, then lets the worker send everything queued. */
  const deliver = async () => {
    await h.gatehouse.accountFlows.idle();
    while ((await h.gatehouse.mailWorker!.tick()) > 0);
  };
  const last = (to: string): Delivered => {
    const found = smtp.delivered.filter((d) => d.envelopeTo.includes(to)).at(-1);
    if (found === undefined) throw new Error(`nothing delivered to ${to}`);
    return found;
  };
  /** The link in a delivered email's text part, as a recipient would copy it. */
  const linkIn = (d: Delivered, path: string) => {
    const match = new RegExp(`${ISSUER}${path}\\?token=([A-Za-z0-9_%-]+)`).exec(d.mail.text ?? '');
    if (match === null) throw new Error(`no ${path} link in: ${d.mail.text}`);
    return decodeURIComponent(match[1] ?? '');
  };

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    h = await createHarness({
      issuer: ISSUER,
      registration: 'open',
      smtpUrl: smtp.url,
      mailFrom: 'Gatehouse <accounts@example.test>',
    });
  });
  afterAll(async () => {
    await h?.close();
    await smtp?.stop();
  });

  it('templates escape user values: a display name with markup is text in the HTML part; one with line breaks is refused', async () => {
    const name = '<img src=x onerror="alert(1)">\r\nBcc: victim@example.test & co';
    expect(
      (await post('/signup', { email: 'markup@example.test', password: strongPassword(), name })).statusCode,
    ).toBe(400); // control characters are refused outright
    const printable = '<img src=x onerror="alert(1)"> & \'co\'';
    expect(
      (await post('/signup', { email: 'markup@example.test', password: strongPassword(), name: printable }))
        .statusCode,
    ).toBe(202);
    await deliver();
    const { mail, envelopeTo } = last('markup@example.test');
    expect(envelopeTo).toEqual(['markup@example.test']);
    expect(mail.html).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &#39;co&#39;');
    expect(mail.html).not.toContain('<img');
    expect(mail.text).toContain(printable);
    expect(mail.headers.get('bcc')).toBeUndefined();
  });

  it('every flow’s email renders from its template with working links to the issuer', async () => {
    const email = 'journey@example.test';
    const password = strongPassword();
    await post('/signup', { email, password, name: 'Jo' });
    await deliver();
    const verify = last(email);
    expect(verify.mail.subject).toBe('Confirm your email address');
    expect(verify.mail.text).toMatch(/type this code on the verification page: \d{6}/);
    expect((await post('/verify-email', { token: linkIn(verify, '/verify-email') })).statusCode).toBe(200);

    await post('/signup', { email, password: strongPassword() });
    await deliver();
    expect(last(email).mail.subject).toBe('Someone tried to sign up with your email address');

    await post('/forgot-password', { email });
    await deliver();
    const reset = last(email);
    expect(reset.mail.subject).toBe('Reset your password');
    const newPassword = strongPassword();
    expect(
      (await post('/reset-password', { token: linkIn(reset, '/reset-password'), password: newPassword }))
        .statusCode,
    ).toBe(200);
    await deliver();
    expect(last(email).mail.subject).toBe('Your password was changed');

    const session = await login(h.app, email, newPassword);
    await asSession(h.app, session, 'POST', '/account/email', {
      current_password: newPassword,
      new_email: 'journey2@example.test',
    });
    await deliver();
    const change = last('journey2@example.test');
    expect(change.mail.subject).toBe('Confirm your new email address');
    expect(
      (await post('/email-change/confirm', { token: linkIn(change, '/email-change/confirm') })).statusCode,
    ).toBe(200);
    await deliver();
    const notice = last(email);
    expect(notice.mail.subject).toBe('Your email address was changed');
    expect(notice.mail.text).toContain('journey2@example.test');
    expect(linkIn(notice, '/email-change/undo')).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const admin = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
    await asSession(h.app, admin, 'POST', '/admin/v1/invitations', { email: 'newcomer@example.test' });
    await deliver();
    const invitation = last('newcomer@example.test');
    expect(invitation.mail.subject).toBe('You are invited to Gatehouse');
    expect(
      (await post('/invitation', { token: linkIn(invitation, '/invitation'), password: strongPassword() }))
        .statusCode,
    ).toBe(200);
    // Nothing failed after a response (a template missing a value would be logged there).
    expect(h.logs.join('')).not.toContain('failed after the response');
  });
});
