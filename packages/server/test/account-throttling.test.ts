import { RecordingMailQueue } from '@gatehouse/testkit';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asSession, createHarness, createUser, type Harness, login, strongPassword } from './harness.ts';

/** Status and body: what must not tell a known address from an unknown one. */
const answer = (r: LightMyRequestResponse) => ({
  status: r.statusCode,
  body: r.body.replace(/"instance":"[^"]+"/, ''),
});

/**
 * Security checklist RL-05 and LIFE-01 (throttles): every email-sending endpoint is throttled per
 * address (one budget across the endpoints) and per client, before the address is looked up.
 */
describe('throttling of the email-sending endpoints', () => {
  let h: Harness;
  const mail = new RecordingMailQueue();
  const PER_ADDRESS = 3;
  const PER_CLIENT = 8;
  const post = (url: string, payload: Record<string, unknown>, ip = '203.0.113.1') =>
    h.app.inject({ method: 'POST', url, payload, remoteAddress: ip });

  beforeAll(async () => {
    h = await createHarness(
      { registration: 'open', mailLimitPerAddress: PER_ADDRESS, mailLimitPerIp: PER_CLIENT },
      { mail },
    );
  });
  afterAll(() => h.close());

  it('RL-05: 20 forgot requests for one address send at most the per-address limit, and known and unknown answer alike throughout', async () => {
    await createUser(h, 'victim@example.test', strongPassword());
    const known: LightMyRequestResponse[] = [];
    const unknown: LightMyRequestResponse[] = [];
    for (let i = 0; i < 10; i++) {
      // A fresh client each time: the per-address budget alone decides.
      known.push(await post('/forgot-password', { email: 'victim@example.test' }, `198.51.100.${i}`));
      unknown.push(await post('/forgot-password', { email: 'ghost@example.test' }, `198.51.100.${100 + i}`));
    }
    await h.gatehouse.accountFlows.idle();
    expect(mail.to('victim@example.test')).toHaveLength(PER_ADDRESS);
    expect(known.map(answer)).toEqual(unknown.map(answer));
    expect(known.map((r) => r.statusCode)).toEqual([
      ...Array(PER_ADDRESS).fill(202),
      ...Array(10 - PER_ADDRESS).fill(429),
    ]);
    expect(Number(known.at(-1)?.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('the per-address budget is shared by sign-up, resend and forgot, so cycling endpoints floods nobody', async () => {
    const email = 'shared@example.test';
    const statuses = [
      (await post('/signup', { email, password: strongPassword() }, '192.0.2.1')).statusCode,
      (await post('/verify-email/resend', { email }, '192.0.2.2')).statusCode,
      (await post('/forgot-password', { email }, '192.0.2.3')).statusCode,
      (await post('/verify-email/resend', { email }, '192.0.2.4')).statusCode,
      (await post('/signup', { email, password: strongPassword() }, '192.0.2.5')).statusCode,
    ];
    expect(statuses).toEqual([202, 202, 202, 429, 429]);
    await h.gatehouse.accountFlows.idle();
  });

  it('per client: one IP is stopped after its limit whatever addresses it cycles through', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < PER_CLIENT + 2; i++)
      statuses.push(
        (await post('/forgot-password', { email: `spray${i}@example.test` }, '203.0.113.77')).statusCode,
      );
    expect(statuses).toEqual([...Array(PER_CLIENT).fill(202), 429, 429]);
    // Another client is not affected.
    expect(
      (await post('/forgot-password', { email: 'spray0@example.test' }, '203.0.113.78')).statusCode,
    ).toBe(202);
    await h.gatehouse.accountFlows.idle();
  });

  it('guesses at a verification code are limited per address, known or not, from any client', async () => {
    const statuses = async (email: string) => {
      const out: number[] = [];
      for (let i = 0; i < PER_ADDRESS + 1; i++)
        out.push(
          (await post('/verify-email/code', { email, code: '000000' }, `192.0.2.${50 + i}`)).statusCode,
        );
      return out;
    };
    await createUser(h, 'guessed@example.test', strongPassword());
    const expected = [...Array(PER_ADDRESS).fill(400), 429];
    expect(await statuses('guessed@example.test')).toEqual(expected);
    expect(await statuses('unguessed@example.test')).toEqual(expected);
  });

  it('an email change and the signed-in resend count against the same budgets', async () => {
    const password = strongPassword();
    await createUser(h, 'changer@example.test', password);
    const session = await login(h.app, 'changer@example.test', password);
    const statuses: number[] = [];
    for (let i = 0; i < PER_ADDRESS + 1; i++)
      statuses.push(
        (
          await asSession(h.app, session, 'POST', '/account/email', {
            current_password: password,
            new_email: 'target@example.test',
          })
        ).statusCode,
      );
    expect(statuses).toEqual([...Array(PER_ADDRESS).fill(202), 429]);
    expect(mail.to('target@example.test')).toHaveLength(PER_ADDRESS);
  });
});
