import { amrOf, isConcretePermission } from '@gatehouse/core';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { InteractionResults } from 'oidc-provider';
import type { Gatehouse } from '../gatehouse.ts';
import { currentSession, requireSession } from '../http/authenticate.ts';
import { checkFetchMetadata, checkLoginCsrf, sessionCsrfToken } from '../http/csrf.ts';
import { hijackForEngine } from '../http/engine-lane.ts';
import { requestMeta } from '../http/request-meta.ts';
import { oauthSchemas } from '../http/schemas/oauth.ts';
import { sendPage } from '../http/security-headers.ts';
import { formActionSources } from '../oauth/form-targets.ts';
import { interactionPath } from '../oauth/routes.ts';
import { consentPage, messagePage } from '../pages/oauth-pages.ts';

const Params = Type.Object({ uid: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }) });
const ConsentBody = Type.Object({
  csrf: Type.Optional(Type.String({ maxLength: 128 })),
  decision: Type.Union([Type.Literal('allow'), Type.Literal('deny')]),
});
const CancelBody = Type.Object({ csrf: Type.Optional(Type.String({ maxLength: 128 })) });

type Details = Awaited<
  ReturnType<Awaited<ReturnType<Gatehouse['oauth']['current']>>['provider']['interactionDetails']>
>;

/**
 * The engine's interactions, answered by Gatehouse: login is our login page and our session (a
 * live session signs the user in without a password — single sign-on — unless the client asked
 * for a fresh login); consent is our page, remembered per client in the engine's grant.
 */
export function oauthInteractionRoutes(app: FastifyInstance, gatehouse: Gatehouse): void {
  const issuerOrigin = new URL(gatehouse.config.issuer).origin;
  const expired = (request: FastifyRequest, reply: FastifyReply) =>
    sendPage(
      request,
      reply,
      messagePage({
        nonce: request.cspNonce,
        title: 'This sign-in request has expired',
        message: 'Go back to the application and start again.',
      }),
      400,
    );

  /** The engine's interaction behind the browser's interaction cookie, if it is this `uid`. */
  const details = async (
    request: FastifyRequest,
    reply: FastifyReply,
    uid: string,
  ): Promise<Details | undefined> => {
    const { provider } = await gatehouse.oauth.current();
    try {
      const found = await provider.interactionDetails(request.raw, reply.raw);
      return found.uid === uid ? found : undefined;
    } catch {
      return undefined;
    }
  };

  const finish = async (reply: FastifyReply, request: FastifyRequest, result: InteractionResults) => {
    const { provider } = await gatehouse.oauth.current();
    hijackForEngine(reply);
    await provider.interactionFinished(request.raw, reply.raw, result, { mergeWithLastSubmission: true });
  };

  app.get<{ Params: typeof Params.static }>(
    '/oauth/interaction/:uid',
    { schema: { ...oauthSchemas.interaction, params: Params } },
    async (request, reply) => {
      const { uid } = request.params;
      const interaction = await details(request, reply, uid);
      if (interaction === undefined) return expired(request, reply);
      const active = await currentSession(gatehouse, request);
      const { prompt } = interaction;
      const loginAgain = `/login?return_to=${encodeURIComponent(interactionPath(uid))}`;

      if (prompt.name === 'login') {
        // prompt=login and max_age need an authentication newer than this request.
        const fresh = prompt.reasons.includes('login_prompt') || prompt.reasons.includes('max_age');
        const startedAt = (interaction.iat ?? 0) * 1000;
        if (active === null || (fresh && active.record.authTime < startedAt))
          return reply.code(303).header('location', loginAgain).send();
        return finish(reply, request, {
          login: {
            accountId: active.user.id,
            ts: Math.floor(active.record.authTime / 1000),
            amr: amrOf(active.record.authMethod),
          },
        });
      }

      if (prompt.name === 'consent') {
        if (active === null || active.user.id !== interaction.session?.accountId)
          return reply.code(303).header('location', loginAgain).send();
        const clientId = String(interaction.params.client_id ?? '');
        const client = await gatehouse.oauth.registry.get(clientId);
        const missing = prompt.details as {
          missingOIDCScope?: string[];
          missingOIDCClaims?: string[];
          missingResourceScopes?: Record<string, string[]>;
        };
        // Delegation never exceeds the user: guards intersect scopes with the user's permissions.
        const apiScopes = [...new Set(Object.values(missing.missingResourceScopes ?? {}).flat())];
        const notHeld: string[] = [];
        for (const scope of apiScopes)
          if (isConcretePermission(scope) && !(await gatehouse.permissions.can(active.user.id, scope)))
            notHeld.push(scope);
        return sendPage(
          request,
          reply,
          consentPage({
            notHeld,
            nonce: request.cspNonce,
            csrf: sessionCsrfToken(gatehouse.keys.csrf, active.record.idHash),
            uid,
            clientId,
            clientName: client?.name ?? clientId,
            userEmail: active.user.email,
            scopes: missing.missingOIDCScope ?? [],
            claims: missing.missingOIDCClaims ?? [],
            resources: Object.entries(missing.missingResourceScopes ?? {}).map(([resource, scopes]) => ({
              resource,
              scopes,
            })),
          }),
          200,
          formActionSources(client?.redirectUris ?? []),
        );
      }
      return expired(request, reply);
    },
  );

  app.post<{ Params: typeof Params.static; Body: typeof ConsentBody.static }>(
    '/oauth/interaction/:uid/consent',
    {
      schema: { ...oauthSchemas.consent, params: Params, body: ConsentBody },
      preHandler: requireSession(gatehouse),
    },
    async (request, reply) => {
      const { uid } = request.params;
      const active = request.session!;
      const interaction = await details(request, reply, uid);
      if (
        interaction === undefined ||
        interaction.prompt.name !== 'consent' ||
        interaction.session?.accountId !== active.user.id
      )
        return expired(request, reply);
      const clientId = String(interaction.params.client_id ?? '');
      if (request.body.decision === 'deny') {
        await gatehouse.audit.record('oauth.consent.denied', requestMeta(request, active.user.id), {
          subjectId: active.user.id,
          details: { client: clientId },
        });
        return finish(reply, request, {
          error: 'access_denied',
          error_description: 'The user denied the request.',
        });
      }
      const { provider } = await gatehouse.oauth.current();
      const grant =
        (interaction.grantId === undefined ? undefined : await provider.Grant.find(interaction.grantId)) ??
        new provider.Grant({ accountId: active.user.id, clientId });
      const missing = interaction.prompt.details as {
        missingOIDCScope?: string[];
        missingOIDCClaims?: string[];
        missingResourceScopes?: Record<string, string[]>;
      };
      if (missing.missingOIDCScope !== undefined) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      // Claims asked for by name were checked against the client's scopes at the authorization
      // request (provider-config.ts) and listed on the consent page.
      if (missing.missingOIDCClaims !== undefined) grant.addOIDCClaims(missing.missingOIDCClaims);
      for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {}))
        grant.addResourceScope(resource, scopes.join(' '));
      const grantId = await grant.save();
      await gatehouse.audit.record('oauth.consent.granted', requestMeta(request, active.user.id), {
        subjectId: active.user.id,
        details: { client: clientId, grant: grantId },
      });
      return finish(reply, request, { consent: { grantId } });
    },
  );

  // "Cancel" on the login page of an authorization: the user goes back to the client with
  // access_denied (RFC 6749 §4.1.2.1). The form is the login form's sibling, so it carries the
  // login CSRF token (no session may exist yet); Fetch Metadata refuses cross-site posts first.
  app.post<{ Params: typeof Params.static; Body: typeof CancelBody.static }>(
    '/oauth/interaction/:uid/cancel',
    { schema: { ...oauthSchemas.cancel, params: Params, body: CancelBody }, bodyLimit: 4 * 1024 },
    async (request, reply) => {
      checkFetchMetadata(request, issuerOrigin);
      checkLoginCsrf(request, gatehouse.keys.csrfAccepted);
      const interaction = await details(request, reply, request.params.uid);
      if (interaction === undefined) return expired(request, reply);
      // No user is known yet: the event names the client only.
      await gatehouse.audit.record('oauth.login.cancelled', requestMeta(request), {
        details: { client: String(interaction.params.client_id ?? '') },
      });
      return finish(reply, request, {
        error: 'access_denied',
        error_description: 'The user cancelled the sign-in.',
      });
    },
  );
}
