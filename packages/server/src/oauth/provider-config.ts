import { randomBytes } from 'node:crypto';
import {
  type ActiveSession,
  CLAIMS_BY_SCOPE,
  claimsWithinScopes,
  type RefreshRotation,
  type SigningAlgorithm,
  type UserProfile,
  type UserRecord,
} from '@gatehouse/core';
import type { KoaContextWithOIDC, ResourceServer } from 'oidc-provider';
import { type Configuration, type ExternalSigningKey, errors, interactionPolicy } from 'oidc-provider';
import { pageCsp } from '../http/security-headers.ts';
import { html } from '../pages/html.ts';
import { deviceCodePage, engineFormPage, messagePage } from '../pages/oauth-pages.ts';
import { gatehouseClientProperties } from './client-metadata.ts';
import { saveSessionForReRenderedForm } from './device-form-session.ts';
import { formActionSources } from './form-targets.ts';
import { grantSid } from './grant-sid.ts';
import { interactionPath, OAUTH_ROUTES } from './routes.ts';
import { grantHasOpenId, userinfoAudience } from './structured-userinfo.ts';

export interface ProviderSettings {
  readonly issuer: string;
  readonly secureCookies: boolean;
  /** Keys for the engine's signed cookies, derived from the master secret. */
  readonly cookieKeys: readonly string[];
  readonly signingAlgorithm: string;
  readonly accessTokenTtlSeconds: number;
  /** The refresh rotation rule shared with first-party tokens: lifetimes here, the retry grace in refresh-retry.ts. */
  readonly refreshRotation: RefreshRotation;
  readonly sessionAbsoluteSeconds: number;
  readonly findUser: (id: string) => Promise<UserRecord | undefined>;
  /** The user's OpenID Connect profile (standard claims). */
  readonly findProfile: (id: string) => Promise<UserProfile>;
  /** The live Gatehouse session behind a Cookie header, if any. */
  readonly sessionFromCookies: (cookieHeader: string | undefined) => Promise<ActiveSession | null>;
  /** Ends the Gatehouse session behind a Cookie header (RP-initiated logout). */
  readonly endSessionFromCookies: (cookieHeader: string | undefined) => Promise<void>;
  /** RFC 7591 registration, only with an initial access token an administrator minted. */
  readonly dynamicRegistration: boolean;
}

/** Core's `SIGNING_ALGORITHMS`, in the order discovery has always published them. */
const CLIENT_AUTH_ALGS: SigningAlgorithm[] = ['ES256', 'PS256', 'RS256', 'EdDSA'];
/** RFC 7636 §4.2: BASE64URL(SHA256(verifier)), unpadded — 43 characters. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/**
 * oidc-provider's configuration, secure by default: authorization code with PKCE (S256 only)
 * for every client, no implicit or hybrid response types (the engine has no password grant), exact
 * redirect-URI matching, `iss` in authorization responses, resource indicators minting RFC 9068
 * JWT access tokens for the requested audience, refresh tokens rotated on every use (a reused one
 * revokes its grant), DPoP, PAR, device flow, introspection, revocation, RP-initiated logout.
 * Login and consent are ours (interactions); dynamic registration stays off.
 */
export function providerConfiguration(
  settings: ProviderSettings,
  jwks: { keys: ExternalSigningKey[] },
  adapter: NonNullable<Configuration['adapter']>,
): Configuration {
  const alg = settings.signingAlgorithm;
  const policy = interactionPolicy.base();
  // SSO follows the Gatehouse session: once it ends (logout, expiry, disable), the engine's own
  // session no longer counts as a login, and prompt=none gets login_required.
  policy.get('login')?.checks.add(
    new interactionPolicy.Check(
      'gatehouse_session',
      'the Gatehouse session ended',
      'login_required',
      async (ctx: KoaContextWithOIDC) => {
        const accountId = ctx.oidc.session?.accountId;
        if (accountId === undefined) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
        const active = await settings.sessionFromCookies(ctx.get('cookie') || undefined);
        return active?.user.id === accountId
          ? interactionPolicy.Check.NO_NEED_TO_PROMPT
          : interactionPolicy.Check.REQUEST_PROMPT;
      },
    ),
    0,
  );

  const sessionTtlSeconds = settings.sessionAbsoluteSeconds;
  const cookieOptions = {
    signed: true,
    httpOnly: true,
    sameSite: 'lax',
    secure: settings.secureCookies,
  } as const;

  return {
    adapter,
    // Released by scope (OIDC §5.4), or one by one through the `claims` request parameter (§5.5).
    claims: Object.fromEntries(
      Object.entries(CLAIMS_BY_SCOPE).map(([scope, claims]) => [scope, [...claims]]),
    ),
    scopes: ['openid', 'profile', 'email', 'address', 'phone', 'offline_access'],
    responseTypes: ['code'],
    // Secrets are HMACs at rest, so no client_secret_jwt. The engine accepts a secret by Basic
    // header or in the body alike; clients registered with keys sign assertions (RFC 7523).
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: alg as 'ES256',
    },
    enabledJWA: {
      // OpenID Connect Discovery §3: RS256 must be among them (the key ring keeps an RS256 ring).
      idTokenSigningAlgValues: [...new Set([alg, 'RS256'])],
      userinfoSigningAlgValues: [alg],
      introspectionSigningAlgValues: [alg],
      authorizationSigningAlgValues: [alg],
      requestObjectSigningAlgValues: CLIENT_AUTH_ALGS,
      clientAuthSigningAlgValues: CLIENT_AUTH_ALGS,
      dPoPSigningAlgValues: CLIENT_AUTH_ALGS,
    } as Configuration['enabledJWA'],
    jwks,
    cookies: { keys: [...settings.cookieKeys], long: cookieOptions, short: cookieOptions },
    pkce: { required: () => true },
    extraParams: {
      // The engine checks only 43–128 URL-safe characters, the range of a plain challenge. An S256
      // challenge is a SHA-256 in base64url: exactly 43 characters. Anything else can never match
      // a verifier, so it is refused up front rather than failing later at the token endpoint.
      code_challenge: async (_ctx, value) => {
        if (value !== undefined && !S256_CHALLENGE.test(value))
          throw new errors.InvalidRequest('code_challenge must be 43 base64url characters (S256)');
      },
    },
    routes: { ...OAUTH_ROUTES },
    extraClientMetadata: {
      properties: ['gatehouse_resources', 'gatehouse_audience', 'gatehouse_api_scopes'],
      // Only the registry sets these: a dynamically registered client cannot grant itself APIs.
      validator: (ctx, key, value) => {
        if (value !== undefined && ctx?.oidc?.route === 'registration')
          throw new errors.InvalidClientMetadata(`${key} cannot be registered`);
      },
    },
    formats: {
      customizers: {
        // An API's token from a login whose grant includes openid is good at userinfo too: its
        // `aud` also names the userinfo endpoint (structured-userinfo.ts). Every other audience
        // check stays exact: the guard of an API wants its own identifier among the audiences.
        jwt: async (ctx, token, jwt) => {
          if (token.kind !== 'AccessToken' || !('grantId' in token) || typeof token.grantId !== 'string')
            return;
          const current = ctx.oidc.entities.Grant;
          const grant =
            current?.jti === token.grantId ? current : await ctx.oidc.provider.Grant.find(token.grantId);
          if (!grantHasOpenId(grant)) return;
          const aud = jwt.payload.aud;
          jwt.payload.aud = [...(Array.isArray(aud) ? aud : [aud]), userinfoAudience(settings.issuer)];
        },
      },
    },
    // Resource servers mirror revocations by grant through the revocation feed: ATs carry it as `sid`.
    extraTokenClaims: async (_ctx, token) =>
      'grantId' in token && typeof token.grantId === 'string' ? { sid: grantSid(token.grantId) } : undefined,
    findAccount: async (_ctx, sub) => {
      const user = await settings.findUser(sub);
      if (user === undefined || user.disabled || user.kind !== 'user') return undefined;
      return {
        accountId: user.id,
        // Everything Gatehouse knows; the engine keeps only what the scopes and `claims` ask for.
        // `email_verified` is true only once the owner used a link sent to the address (verification,
        // reset, invitation or a confirmed change).
        claims: async () => ({
          ...(await settings.findProfile(user.id)),
          sub: user.id,
          email: user.email,
          email_verified: user.emailVerified,
        }),
      };
    },
    interactions: {
      url: (_ctx, interaction) => interactionPath(interaction.uid),
      policy,
    },
    issueRefreshToken: async (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') &&
      (code.scopes.has('offline_access') || !code.scopes.has('openid')),
    rotateRefreshToken: true,
    ttl: {
      AccessToken: settings.accessTokenTtlSeconds,
      ClientCredentials: settings.accessTokenTtlSeconds,
      AuthorizationCode: 60,
      DeviceCode: 600,
      IdToken: 3600,
      Interaction: 3600,
      Grant: settings.refreshRotation.policy.absoluteMs / 1000,
      Session: sessionTtlSeconds,
      // Idle limit per token, absolute limit per grant (family): a rotated token never outlives it.
      // The engine counts in whole seconds: at least one, so a token is never minted expired.
      RefreshToken: (_ctx, token) => {
        const now = Math.floor(Date.now() / 1000) * 1000;
        const familyStart = ((token as { iiat?: number }).iiat ?? now / 1000) * 1000;
        const rotation = settings.refreshRotation;
        const expiresAt = rotation.tokenExpiresAt(now, rotation.familyExpiresAt(familyStart));
        return Math.max(1, Math.floor((expiresAt - now) / 1000));
      },
    },
    clientBasedCORS: (_ctx, origin, client) =>
      client.redirectUris?.some((uri) => URL.parse(uri)?.origin === origin) ?? false,
    features: {
      devInteractions: { enabled: false },
      // The key ring signs; the engine never holds private keys (engine-signing-key.ts). The ack
      // pins the experiment's version: a breaking change in an engine update fails at start.
      externalSigningSupport: { enabled: true, ack: 'experimental-01' },
      registration: settings.dynamicRegistration
        ? {
            enabled: true,
            initialAccessToken: true,
            // Managed through the admin API afterwards, not RFC 7592 (no registration access token).
            issueRegistrationAccessToken: false,
            idFactory: () => `c_${randomBytes(16).toString('base64url')}`,
          }
        : { enabled: false },
      clientCredentials: { enabled: true },
      // Claims asked for by name (OIDC §5.5) stay within the scopes the client is registered for;
      // the consent page lists them one by one.
      claimsParameter: {
        enabled: true,
        assertClaimsParameter: (_ctx, claims, client) => {
          const requested = [...Object.keys(claims.userinfo ?? {}), ...Object.keys(claims.id_token ?? {})];
          const allowed = claimsWithinScopes(requested, (client.scope ?? '').split(' '));
          if (allowed.length < requested.length)
            throw new errors.InvalidRequest("claims beyond the client's registered scopes were requested");
        },
      },
      userinfo: { enabled: true },
      revocation: {
        enabled: true,
        // A client revokes only its own tokens. Another client's token is left alone with the
        // answer an unknown token gets (200, RFC 7009 §2.2), as for JWT access tokens
        // (structured-tokens.ts). RFC 7009 §2.1 would refuse it with an error; we depart from that
        // on purpose: revocation must not tell a caller that a value it holds is some other
        // client's live token.
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      introspection: {
        enabled: true,
        // A client sees its own tokens; a resource server sees tokens for its audience only.
        allowedPolicy: async (_ctx, client, token) => {
          if (token.clientId === client.clientId) return true;
          const { audience } = gatehouseClientProperties(client);
          if (audience === null) return false;
          const aud = (token as { aud?: unknown }).aud;
          return aud === audience || (Array.isArray(aud) && aud.includes(audience));
        },
      },
      deviceFlow: {
        enabled: true,
        userCodeInputSource: async (ctx, _engineForm, _out, err) => {
          if (err !== undefined) await saveSessionForReRenderedForm(ctx, cookieOptions, sessionTtlSeconds);
          // The engine keeps the form's anti-forgery secret in its session (set just before this call).
          const xsrf = (ctx.oidc.session?.state as { secret?: unknown } | undefined)?.secret;
          const userCode = (err as { userCode?: unknown } | undefined)?.userCode;
          sendEnginePage(ctx, (nonce) =>
            deviceCodePage({
              nonce,
              action: ctx.oidc.urlFor('code_verification'),
              xsrf: typeof xsrf === 'string' ? xsrf : '',
              message: deviceFormMessage(err),
              userCode: typeof userCode === 'string' ? userCode : undefined,
            }),
          );
        },
        userCodeConfirmSource: async (ctx, form, client, _deviceInfo, userCode) => {
          sendEnginePage(ctx, (nonce) =>
            engineFormPage({
              nonce,
              title: 'Confirm the device',
              intro: html`<p><strong>${client.clientName ?? client.clientId}</strong> wants to sign in on a device showing the code <code>${userCode}</code>. Continue only if your device shows this code.</p>`,
              engineForm: form,
              controls: html`<button type="submit" form="op.deviceConfirmForm">Continue</button>
<button type="submit" form="op.deviceConfirmForm" value="yes" name="abort" class="secondary">Cancel</button>`,
            }),
          );
        },
        successSource: async (ctx) => {
          sendEnginePage(ctx, (nonce) =>
            messagePage({ nonce, title: 'Device connected', message: 'You can return to your device.' }),
          );
        },
      },
      pushedAuthorizationRequests: { enabled: true },
      dPoP: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx, _client, oneOf) => oneOf,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resource, client) => {
          if (!gatehouseClientProperties(client).resources.includes(resource))
            throw new errors.InvalidTarget();
          const scope = gatehouseClientProperties(client).apiScopes.join(' ');
          return {
            scope,
            audience: resource,
            accessTokenTTL: settings.accessTokenTtlSeconds,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg } },
          } as ResourceServer;
        },
      },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          sendEnginePage(ctx, (nonce) =>
            engineFormPage({
              nonce,
              title: 'Sign out?',
              intro: html`<p>Do you want to sign out of Gatehouse?</p>`,
              engineForm: form,
              controls: html`<button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
<button type="submit" form="op.logoutForm" class="secondary">No, stay signed in</button>`,
            }),
          );
        },
        postLogoutSuccessSource: async (ctx) => {
          sendEnginePage(ctx, (nonce) =>
            messagePage({ nonce, title: 'Signed out', message: 'You have been signed out.' }),
          );
        },
      },
    },
    renderError: async (ctx, out) => {
      // The engine's error and description are fixed, client-safe texts; nothing else is shown.
      const description = typeof out.error_description === 'string' ? out.error_description : '';
      sendEnginePage(ctx, (nonce) =>
        messagePage({
          nonce,
          title: 'This sign-in request cannot be completed',
          message: `${out.error}${description === '' ? '' : `: ${description}`}`,
        }),
      );
    },
  };
}

/**
 * Engine-rendered pages get the same headers as ours: nonce CSP, no framing, no caching. Their
 * forms may end at the client's registered (post-logout) redirect URIs.
 */
function sendEnginePage(ctx: KoaContextWithOIDC, render: (nonce: string) => string): void {
  const nonce = randomBytes(16).toString('base64');
  const client = ctx.oidc?.client;
  const targets = formActionSources([
    ...(client?.postLogoutRedirectUris ?? []),
    ...(client?.redirectUris ?? []),
  ]);
  ctx.set('cache-control', 'no-store');
  ctx.set('content-security-policy', pageCsp(nonce, targets));
  ctx.type = 'html';
  ctx.body = render(nonce);
}

/** What the code-entry page says, by the engine's reason for showing it (its re-render errors). */
function deviceFormMessage(err: Error | undefined): string {
  if (err === undefined || err.name === 'NoCodeError') return 'Enter the code shown on your device.';
  if (err.name === 'AbortedError') return 'Cancelled: the device was not connected.';
  // The engine's anti-forgery check (or a malformed submission), not the code itself.
  if (err.name === 'InvalidRequest') return 'This form has expired. Enter the code again.';
  return 'That code is not valid or has expired. Try again.';
}
