import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Commands } from '../commands/index.ts';
import type { Gatehouse } from '../gatehouse.ts';
import { callerUser, requireCaller, requirePermission } from '../http/authenticate.ts';
import { requestMeta } from '../http/request-meta.ts';
import { adminSchemas } from '../http/schemas/admin.ts';
import { adminUserView } from './admin-user-view.ts';

const UserId = Type.Object({ id: Type.String({ pattern: '^[a-f0-9]{32}$' }) });
const RoleName = Type.Object({ name: Type.String({ pattern: '^[a-z][a-z0-9_.-]{0,63}$' }) });
const UserRole = Type.Object({
  id: Type.String({ pattern: '^[a-f0-9]{32}$' }),
  role: Type.String({ pattern: '^[a-z][a-z0-9_.-]{0,63}$' }),
});
const NewUser = Type.Object(
  {
    email: Type.String({ maxLength: 320 }),
    password: Type.Optional(Type.String({ maxLength: 4096 })),
    roles: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50 })),
  },
  { additionalProperties: false },
);
const PasswordBody = Type.Object(
  { password: Type.String({ maxLength: 4096 }) },
  { additionalProperties: false },
);
const RoleBody = Type.Object(
  {
    description: Type.Optional(Type.String({ maxLength: 500 })),
    permissions: Type.Array(Type.String({ maxLength: 130 }), { maxItems: 1000 }),
  },
  { additionalProperties: false },
);
const JtiBody = Type.Object(
  { jti: Type.String({ pattern: '^[A-Za-z0-9_-]{1,128}$' }) },
  { additionalProperties: false },
);
/** A whole profile; its claims are checked by core `parseUserProfile`, which names the one at fault. */
const ProfileBody = Type.Object({}, { additionalProperties: true });
const GrantBody = Type.Object({ role: Type.String({ maxLength: 64 }) }, { additionalProperties: false });
const Page = Type.Object({
  limit: Type.Optional(Type.String({ pattern: '^(?:[1-9]\\d{0,2})$' })),
  offset: Type.Optional(Type.String({ pattern: '^\\d{1,9}$' })),
});
const pageOf = (q: typeof Page.static) => ({
  limit: Math.min(Number(q.limit ?? 100), 500),
  offset: Number(q.offset ?? 0),
});

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The admin REST API (/admin/v1). Authenticated by session (with CSRF on writes), a Bearer access
 * token or an API key, and authorized by permission before every handler: users:read|write, roles:read|write,
 * sessions:revoke, tokens:revoke, audit:read.
 */
export function adminRoutes(app: FastifyInstance, gatehouse: Gatehouse, commands: Commands): void {
  // A session cookie (with CSRF on writes), a first-party Bearer access token, or an API key (whose
  // rights are its scopes ∩ its owner's permissions).
  const session = requireCaller(gatehouse, undefined, { apiKeys: true });
  const can = (permission: string) => ({ preHandler: [session, requirePermission(gatehouse, permission)] });
  const meta = (request: FastifyRequest) => requestMeta(request, callerUser(request)?.id);
  const userView = adminUserView;

  app.get<{ Querystring: typeof Page.static }>(
    '/admin/v1/users',
    { ...can('users:read'), schema: { ...adminSchemas.listUsers, querystring: Page } },
    async (request) => {
      const users = await commands.listUsers(pageOf(request.query));
      return { users: users.map(userView) };
    },
  );

  app.post<{ Body: typeof NewUser.static }>(
    '/admin/v1/users',
    { ...can('users:write'), schema: { ...adminSchemas.createUser, body: NewUser } },
    async (request, reply) => {
      const { email, password, roles } = request.body;
      const user = await commands.createUser({ email, password, roles: roles ?? [], meta: meta(request) });
      return reply.code(201).header('cache-control', 'no-store').send(userView(user));
    },
  );

  for (const [action, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    app.post<{ Params: typeof UserId.static }>(
      `/admin/v1/users/:id/${action}`,
      { ...can('users:write'), schema: { ...adminSchemas[`${action}User`], params: UserId } },
      async (request, reply) => {
        await commands.setUserDisabled({ userId: request.params.id, disabled, meta: meta(request) });
        return reply.code(204).send();
      },
    );
  }

  /** An administrator sets a password: the one policy, then the user's sessions and grants end. */
  app.put<{ Params: typeof UserId.static; Body: typeof PasswordBody.static }>(
    '/admin/v1/users/:id/password',
    {
      ...can('users:write'),
      schema: { ...adminSchemas.setPassword, params: UserId, body: PasswordBody },
      bodyLimit: 16 * 1024,
    },
    async (request, reply) => {
      await commands.setUserPassword({
        userId: request.params.id,
        password: request.body.password,
        meta: meta(request),
      });
      return reply.code(204).header('cache-control', 'no-store').send();
    },
  );

  /** Everything issued to the user is revoked first; an unknown id is the generic 404. */
  app.delete<{ Params: typeof UserId.static }>(
    '/admin/v1/users/:id',
    { ...can('users:write'), schema: { ...adminSchemas.deleteUser, params: UserId } },
    async (request, reply) => {
      await commands.deleteUser({ userId: request.params.id, meta: meta(request) });
      return reply.code(204).send();
    },
  );

  app.get<{ Params: typeof UserId.static }>(
    '/admin/v1/users/:id/profile',
    { ...can('users:read'), schema: { ...adminSchemas.profile, params: UserId } },
    async (request, reply) => {
      const profile = await commands.getProfile({ user: request.params.id });
      reply.header('cache-control', 'no-store');
      return profile;
    },
  );

  app.put<{ Params: typeof UserId.static; Body: typeof ProfileBody.static }>(
    '/admin/v1/users/:id/profile',
    {
      ...can('users:write'),
      schema: { ...adminSchemas.putProfile, params: UserId, body: ProfileBody },
      bodyLimit: 16 * 1024,
    },
    async (request, reply) => {
      const profile = await commands.updateProfile({
        userId: request.params.id,
        profile: request.body,
        by: 'admin',
        meta: meta(request),
      });
      reply.header('cache-control', 'no-store');
      return profile;
    },
  );

  app.delete<{ Params: typeof UserId.static }>(
    '/admin/v1/users/:id/sessions',
    { ...can('sessions:revoke'), schema: { ...adminSchemas.endSessions, params: UserId } },
    async (request) => commands.revokeUserSessions({ user: request.params.id, meta: meta(request) }),
  );

  app.post<{ Params: typeof UserId.static; Body: typeof GrantBody.static }>(
    '/admin/v1/users/:id/roles',
    { ...can('roles:write'), schema: { ...adminSchemas.grantRole, params: UserId, body: GrantBody } },
    async (request, reply) => {
      await commands.grantRole({ userId: request.params.id, role: request.body.role, meta: meta(request) });
      return reply.code(204).send();
    },
  );

  app.delete<{ Params: typeof UserRole.static }>(
    '/admin/v1/users/:id/roles/:role',
    { ...can('roles:write'), schema: { ...adminSchemas.revokeRole, params: UserRole } },
    async (request, reply) => {
      await commands.revokeRole({
        userId: request.params.id,
        role: request.params.role,
        meta: meta(request),
      });
      return reply.code(204).send();
    },
  );

  app.get('/admin/v1/roles', { ...can('roles:read'), schema: adminSchemas.listRoles }, async () => {
    const roles = await commands.listRoles();
    return {
      roles: roles.map((r) => ({ name: r.name, description: r.description, permissions: r.permissions })),
    };
  });

  app.put<{ Params: typeof RoleName.static; Body: typeof RoleBody.static }>(
    '/admin/v1/roles/:name',
    { ...can('roles:write'), schema: { ...adminSchemas.putRole, params: RoleName, body: RoleBody } },
    async (request) => {
      const role = await commands.putRole({
        ...request.body,
        name: request.params.name,
        meta: meta(request),
      });
      return { name: role.name, description: role.description, permissions: role.permissions };
    },
  );

  app.delete<{ Params: typeof RoleName.static }>(
    '/admin/v1/roles/:name',
    { ...can('roles:write'), schema: { ...adminSchemas.deleteRole, params: RoleName } },
    async (request, reply) => {
      await commands.deleteRole({ name: request.params.name, meta: meta(request) });
      return reply.code(204).send();
    },
  );

  /** Token-level revocation: one access token, by its `jti`, refused everywhere within 1 s. */
  app.post<{ Body: typeof JtiBody.static }>(
    '/admin/v1/access-tokens/revoke',
    { ...can('tokens:revoke'), schema: { ...adminSchemas.revokeAccessToken, body: JtiBody } },
    async (request, reply) => {
      await commands.revokeAccessToken({ jti: request.body.jti, meta: meta(request) });
      return reply.code(204).send();
    },
  );

  app.get<{ Querystring: typeof Page.static }>(
    '/admin/v1/audit-events',
    { ...can('audit:read'), schema: { ...adminSchemas.auditEvents, querystring: Page } },
    async (request) => {
      const events = await commands.listAuditEvents({ limit: pageOf(request.query).limit });
      return { events: events.map((e) => ({ ...e, at: iso(e.at) })) };
    },
  );
}
