import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Commands } from '../commands/index.ts';
import type { Gatehouse } from '../gatehouse.ts';
import { requireSession } from '../http/authenticate.ts';
import { requestMeta } from '../http/request-meta.ts';
import { accountMfaSchemas } from '../http/schemas/account-mfa.ts';

const FactorParams = Type.Object({ id: Type.String({ pattern: '^sf_[A-Za-z0-9_-]{1,64}$' }) });
const NameBody = Type.Object({
  name: Type.String({ maxLength: 64 }),
  current_password: Type.String({ maxLength: 4096 }),
  csrf: Type.Optional(Type.String()),
});
const CodeBody = Type.Object({ code: Type.String({ maxLength: 16 }), csrf: Type.Optional(Type.String()) });
const PasswordBody = Type.Object({
  current_password: Type.String({ maxLength: 4096 }),
  csrf: Type.Optional(Type.String()),
});

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The caller's second factors as JSON (`/account/mfa/…`): session cookie only (CSRF on writes,
 * like the rest of /account), never an API key or a token, and a pending login is no session.
 * Answers carrying secrets or codes are `no-store`.
 */
export function accountMfaRoutes(app: FastifyInstance, gatehouse: Gatehouse, commands: Commands): void {
  const sessionOnly = requireSession(gatehouse);

  app.get(
    '/account/mfa',
    { preHandler: sessionOnly, schema: accountMfaSchemas.list },
    async (request, reply) => {
      const overview = await commands.listSecondFactors(request.session!.user);
      return reply.header('cache-control', 'no-store').send({
        factors: overview.factors.map((f) => ({
          id: f.id,
          kind: f.kind,
          name: f.name,
          confirmed: f.confirmed,
          created_at: iso(f.createdAt),
          last_used_at: f.lastUsedAt === null ? null : iso(f.lastUsedAt),
        })),
        recovery_codes_left: overview.recoveryCodesLeft,
      });
    },
  );

  app.post<{ Body: typeof NameBody.static }>(
    '/account/mfa/totp',
    {
      preHandler: sessionOnly,
      schema: { ...accountMfaSchemas.startTotp, body: NameBody },
      bodyLimit: 4 * 1024,
    },
    async (request, reply) => {
      const started = await commands.startTotpEnrolment(
        request.session!.user,
        request.body.name,
        request.body.current_password,
      );
      return reply.code(201).header('cache-control', 'no-store').send({
        id: started.id,
        secret: started.secret,
        otpauth_uri: started.uri,
        qr_svg: started.qrSvg,
      });
    },
  );

  app.post<{ Params: typeof FactorParams.static; Body: typeof CodeBody.static }>(
    '/account/mfa/totp/:id/confirm',
    {
      preHandler: sessionOnly,
      schema: { ...accountMfaSchemas.confirmTotp, params: FactorParams, body: CodeBody },
      bodyLimit: 4 * 1024,
    },
    async (request, reply) => {
      const { user } = request.session!;
      const { recoveryCodes } = await commands.confirmTotp(
        user,
        request.params.id,
        request.body.code,
        requestMeta(request, user.id),
      );
      return reply
        .header('cache-control', 'no-store')
        .send(recoveryCodes === undefined ? {} : { recovery_codes: recoveryCodes });
    },
  );

  app.post<{ Params: typeof FactorParams.static; Body: typeof PasswordBody.static }>(
    '/account/mfa/:id/remove',
    {
      preHandler: sessionOnly,
      schema: { ...accountMfaSchemas.remove, params: FactorParams, body: PasswordBody },
      bodyLimit: 16 * 1024,
    },
    async (request, reply) => {
      const { user } = request.session!;
      const result = await commands.removeSecondFactor(
        user,
        request.params.id,
        request.body.current_password,
        requestMeta(request, user.id),
      );
      return reply.send({ last_factor_removed: result.lastFactorRemoved });
    },
  );

  app.post<{ Body: typeof PasswordBody.static }>(
    '/account/mfa/recovery-codes',
    {
      preHandler: sessionOnly,
      schema: { ...accountMfaSchemas.regenerateRecoveryCodes, body: PasswordBody },
      bodyLimit: 16 * 1024,
    },
    async (request, reply) => {
      const { user } = request.session!;
      const codes = await commands.regenerateRecoveryCodes(
        user,
        request.body.current_password,
        requestMeta(request, user.id),
      );
      return reply.header('cache-control', 'no-store').send({ recovery_codes: codes });
    },
  );
}
