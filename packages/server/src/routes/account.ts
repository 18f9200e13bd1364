import { type ActiveSession, GatehouseError, type SubjectAccess } from '@gatehouse/core';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Commands } from '../commands/index.ts';
import type { Gatehouse } from '../gatehouse.ts';
import { requireCaller, requireCallerUser, requireSession, wantsHtml } from '../http/authenticate.ts';
import { sessionCsrfToken } from '../http/csrf.ts';
import { requireCallerPrincipal } from '../http/principal.ts';
import { requestMeta } from '../http/request-meta.ts';
import { accountSchemas } from '../http/schemas/account.ts';
import { sendPage } from '../http/security-headers.ts';
import { clearSessionCookie, setSessionCookie } from '../http/session-cookie.ts';
import { ADDRESS_FIELDS, accountPage, PROFILE_FIELDS } from '../pages/account-page.ts';
import { passwordRefusalFlag, passwordRefusalNotices } from '../pages/password-notices.ts';

const SessionParams = Type.Object({ id: Type.String({ pattern: '^[a-f0-9]{24}$' }) });
const PasswordForm = Type.Object(
  {
    csrf: Type.String({ maxLength: 128 }),
    current_password: Type.String({ maxLength: 4096 }),
    new_password: Type.String({ maxLength: 4096 }),
  },
  { additionalProperties: false },
);
const PasswordBody = Type.Object({
  current_password: Type.String({ maxLength: 4096 }),
  new_password: Type.String({ maxLength: 4096 }),
  csrf: Type.Optional(Type.String({ maxLength: 128 })),
});

function toLogin(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply
    .code(303)
    .header('location', `/login?return_to=${encodeURIComponent(request.url.split('?')[0] ?? '/')}`)
    .send();
}

const iso = (ms: number) => new Date(ms).toISOString();
/** What Fastify sends a serialised object as. */
const JSON_TYPE = 'application/json; charset=utf-8';

/** Fixed notices selected by a query flag: nothing from the URL is ever echoed into the page. */
const notices: readonly (readonly [string, string])[] = [
  ['revoked', 'The session was revoked.'],
  ['key_revoked', 'The API key was revoked.'],
  ['key_error', 'The API key was not created: give a name and scopes such as notes:read.'],
  ['profile_saved', 'Your profile was saved.'],
  ['email_sent', 'We sent a link to the new address. The change takes effect once it is used.'],
  [
    'email_error',
    'The email address was not changed: check your current password and the new address, or try again later.',
  ],
  ['verification_sent', 'We sent a new verification link to your address.'],
  [
    'verification_error',
    'No link was sent: the address is verified already, or too many were asked for. Try again later.',
  ],
  ['password_changed', 'Your password was changed. Every other session of yours was signed out.'],
  ['mfa_added', 'The authenticator app was added.'],
  [
    'mfa_code_error',
    'That code was not valid: add the authenticator app again and check the time on your device.',
  ],
  ['mfa_removed', 'The authenticator app was removed.'],
  ['mfa_off', 'Your last second factor was removed: your password alone now signs you in.'],
  ['mfa_password', 'Nothing changed: the current password is incorrect.'],
  ['password_current', 'Your password was not changed: the current password is incorrect.'],
  [
    'password_throttled',
    'Your password was not changed: too many attempts at the current password. Try again in a quarter of an hour.',
  ],
  [
    'profile_error',
    'Your profile was not saved: check the formats (website https://…, phone +15551234567, time zone Europe/London).',
  ],
];

/** The account page's profile form: every field optional text, plus the CSRF token. */
const ProfileForm = Type.Object(
  {
    csrf: Type.String({ maxLength: 128 }),
    ...Object.fromEntries(
      [...PROFILE_FIELDS.map(([claim]) => claim), ...ADDRESS_FIELDS.map(([part]) => part)].map((name) => [
        name,
        Type.Optional(Type.String({ maxLength: 500 })),
      ]),
    ),
  },
  { additionalProperties: false },
);

/** The caller's own identity and sessions: JSON for API clients, a page for browsers. */
export function accountRoutes(app: FastifyInstance, gatehouse: Gatehouse, commands: Commands): void {
  const pageGate = requireCaller(gatehouse, (request, reply) =>
    wantsHtml(request) ? toLogin(request, reply) : undefined,
  );
  const apiGate = requireCaller(gatehouse);
  const sessionOnly = requireSession(gatehouse);
  const passwordPolicy = {
    minLength: gatehouse.config.passwordMinLength,
    maxLength: gatehouse.config.passwordMaxLength,
  };
  const refusalNotices = passwordRefusalNotices(passwordPolicy);

  const identity = (active: ActiveSession, access: SubjectAccess) => ({
    sub: active.user.id,
    kind: active.user.kind,
    email: active.user.email,
    email_verified: active.user.emailVerified,
    roles: access.roles,
    permissions: access.permissions.toArray(),
    session: {
      id: active.record.publicId,
      auth_time: iso(active.record.authTime),
      expires_at: iso(active.record.absoluteExpiresAt),
    },
    csrf_token: sessionCsrfToken(gatehouse.keys.csrf, active.record.idHash),
  });

  const serialised = new WeakMap<ActiveSession, { access: SubjectAccess; json: string }>();
  const identityJson = (active: ActiveSession, access: SubjectAccess) => {
    let entry = serialised.get(active);
    if (entry?.access !== access) {
      entry = { access, json: JSON.stringify(identity(active, access)) };
      serialised.set(active, entry);
    }
    return entry.json;
  };

  app.get('/account', { preHandler: pageGate, schema: accountSchemas.identity }, (request, reply) => {
    if (request.bearer !== null) {
      const { user, claims } = request.bearer;
      reply.header('cache-control', 'no-store');
      return gatehouse.permissions.accessOf(user.id).then((access) =>
        reply.send({
          sub: user.id,
          kind: user.kind,
          email: user.email,
          email_verified: user.emailVerified,
          roles: access.roles,
          permissions: access.permissions.toArray(),
          token: {
            client_id: claims.client_id ?? null,
            scope: claims.scope ?? '',
            session_id: claims.sid ?? null,
          },
        }),
      );
    }
    const active = request.session!;
    reply.header('cache-control', 'no-store').header('vary', 'Accept, Cookie');
    if (wantsHtml(request)) return accountPageFor(request, reply, active);
    // Hot path: with the subject's access cached, answer without a promise, and with the body
    // serialised once for as long as both cached objects live (no field depends on the time).
    const cached = gatehouse.permissions.peekAccess(active.user.id);
    if (cached !== undefined) return reply.type(JSON_TYPE).send(identityJson(active, cached));
    return gatehouse.permissions
      .accessOf(active.user.id)
      .then((access) => reply.send(identity(active, access)));
  });

  const accountPageFor = async (request: FastifyRequest, reply: FastifyReply, active: ActiveSession) => {
    const overview = await commands.accountOverview({ principal: requireCallerPrincipal(request) });
    const query = request.query as Record<string, unknown>;
    const notice = [...notices, ...refusalNotices].find(([flag]) => query[flag] !== undefined)?.[1];
    return sendPage(
      request,
      reply,
      accountPage({
        nonce: request.cspNonce,
        csrf: sessionCsrfToken(gatehouse.keys.csrf, active.record.idHash),
        user: active.user,
        currentSessionId: active.record.publicId,
        passwordMinLength: passwordPolicy.minLength,
        ...overview,
        secondFactors: await commands.listSecondFactors(active.user),
        ...(notice === undefined ? {} : { notice }),
      }),
    );
  };

  // The caller's own profile: what OAuth clients receive under the profile, address and phone scopes.
  const ownProfile = { preHandler: apiGate, schema: accountSchemas.profile };
  app.get('/account/profile', ownProfile, async (request, reply) => {
    const profile = await commands.getProfile({ user: requireCallerUser(request).id });
    reply.header('cache-control', 'no-store');
    return profile;
  });

  app.put<{ Body: Record<string, unknown> }>(
    '/account/profile',
    {
      preHandler: sessionOnly,
      schema: { ...accountSchemas.putProfile, body: Type.Object({}, { additionalProperties: true }) },
      bodyLimit: 16 * 1024,
    },
    async (request, reply) => {
      const user = requireCallerUser(request);
      const profile = await commands.updateProfile({
        userId: user.id,
        profile: request.body,
        by: 'self',
        meta: requestMeta(request, user.id),
      });
      reply.header('cache-control', 'no-store');
      return profile;
    },
  );

  // The page's form: the fields it shows replace those claims (empty clears one); claims it does
  // not show (birthdate, picture, …) are kept.
  app.post<{ Body: Record<string, string | undefined> }>(
    '/account/profile',
    { preHandler: sessionOnly, schema: { ...accountSchemas.profileForm, body: ProfileForm } },
    async (request, reply) => {
      const { user } = request.session!;
      const form = request.body;
      const current = await commands.getProfile({ user: user.id });
      // The verified flag is not the form's to send: updateProfile keeps it while the number stays.
      const { phone_number_verified: _verified, ...shown } = current;
      const next: Record<string, unknown> = { ...shown };
      for (const [claim] of PROFILE_FIELDS) next[claim] = (form[claim] ?? '').trim();
      const address: Record<string, unknown> = { ...current.address };
      for (const [part] of ADDRESS_FIELDS) address[part] = (form[part] ?? '').trim();
      next.address = address;
      try {
        await commands.updateProfile({
          userId: user.id,
          profile: next,
          by: 'self',
          meta: requestMeta(request, user.id),
        });
      } catch (error) {
        if (error instanceof GatehouseError && error.status === 400)
          return reply.code(303).header('location', '/account?profile_error=1').send();
        throw error;
      }
      return reply.code(303).header('location', '/account?profile_saved=1').send();
    },
  );

  const ownSessions = { preHandler: apiGate, schema: accountSchemas.sessions };
  app.get('/account/sessions', ownSessions, async (request, reply) => {
    const sessions = await commands.listSessions({ principal: requireCallerPrincipal(request) });
    reply.header('cache-control', 'no-store');
    return { sessions };
  });

  /** True when the browser's own session ended (its cookie is then cleared). */
  const revoke = async (request: FastifyRequest, id: string) => {
    const principal = requireCallerPrincipal(request);
    const meta = requestMeta(request, principal.subject);
    return (await commands.revokeSession({ principal, sessionId: id, meta })).endedOwnCookie;
  };

  app.delete<{ Params: typeof SessionParams.static }>(
    '/account/sessions/:id',
    { preHandler: apiGate, schema: { ...accountSchemas.revokeSession, params: SessionParams } },
    async (request, reply) => {
      if (await revoke(request, request.params.id)) clearSessionCookie(reply);
      return reply.code(204).send();
    },
  );

  /** The no-JavaScript form variant of DELETE, for the account page. */
  app.post<{ Params: typeof SessionParams.static }>(
    '/account/sessions/:id/revoke',
    { preHandler: sessionOnly, schema: { ...accountSchemas.revokeSessionForm, params: SessionParams } },
    async (request, reply) => {
      if (await revoke(request, request.params.id)) {
        clearSessionCookie(reply);
        return reply.code(303).header('location', '/login?logged_out=1').send();
      }
      return reply.code(303).header('location', '/account?revoked=1').send();
    },
  );

  app.post<{ Body: typeof PasswordBody.static }>(
    '/account/password',
    {
      preHandler: sessionOnly,
      schema: { ...accountSchemas.password, body: PasswordBody },
      bodyLimit: 16 * 1024,
    },
    async (request, reply) => {
      const { user } = request.session!;
      const meta = requestMeta(request, user.id);
      const { token, record } = await commands.changePassword({
        user,
        currentPassword: request.body.current_password,
        newPassword: request.body.new_password,
        meta,
      });
      setSessionCookie(reply, token, record.absoluteExpiresAt, gatehouse.clock.now());
      return reply
        .header('cache-control', 'no-store')
        .send({ csrf_token: sessionCsrfToken(gatehouse.keys.csrf, record.idHash) });
    },
  );

  /** The account page's form: the same change as the JSON route, answered with a redirect and a notice. */
  app.post<{ Body: typeof PasswordForm.static }>(
    '/account/password/change',
    {
      preHandler: sessionOnly,
      schema: { ...accountSchemas.passwordForm, body: PasswordForm },
      bodyLimit: 16 * 1024,
    },
    async (request, reply) => {
      const { user } = request.session!;
      const meta = requestMeta(request, user.id);
      const back = (flag: string) =>
        reply
          .code(303)
          .header('cache-control', 'no-store')
          .header('location', `/account?${flag}=1#password`)
          .send();
      try {
        const { token, record } = await commands.changePassword({
          user,
          currentPassword: request.body.current_password,
          newPassword: request.body.new_password,
          meta,
        });
        setSessionCookie(reply, token, record.absoluteExpiresAt, gatehouse.clock.now());
        return back('password_changed');
      } catch (error) {
        if (!(error instanceof GatehouseError)) throw error;
        if (error.code === 'invalid_credentials') return back('password_current');
        if (error.code === 'too_many_requests') return back('password_throttled');
        const flag =
          error.code === 'password_policy' ? passwordRefusalFlag(error.detail, passwordPolicy) : undefined;
        if (flag === undefined) throw error;
        return back(flag);
      }
    },
  );
}
