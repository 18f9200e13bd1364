import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import * as oidc from 'openid-client';

export interface RelyingPartyOptions {
  /** Gatehouse's issuer URL (GATEHOUSE_ISSUER). */
  readonly issuer: string;
  readonly clientId: string;
  /** Confidential clients only; a public client relies on PKCE alone. */
  readonly clientSecret?: string | undefined;
  /** This app's callback, registered exactly on the client. */
  readonly redirectUri: string;
  readonly scope?: string;
  /** Plain-http issuers (local development only). */
  readonly allowInsecureIssuer?: boolean;
}

interface Pending {
  verifier: string;
  nonce: string;
  createdAt: number;
}

const esc = (value: unknown) => String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)} · Example app</title></head><body><main><h1>${esc(title)}</h1>${body}</main></body></html>`;
}

/**
 * The example relying party: `/` offers "Sign in with Gatehouse", `/login` starts an authorization
 * code flow with PKCE (S256), state and nonce, `/callback` exchanges the code with openid-client
 * (which checks `iss`, state, PKCE and the ID token) and shows who signed in.
 */
export async function startRelyingParty(
  options: RelyingPartyOptions,
  port = 0,
): Promise<{ url: string; server: Server }> {
  const config = await oidc.discovery(
    new URL(options.issuer),
    options.clientId,
    options.clientSecret ?? { token_endpoint_auth_method: 'none' },
    // Gatehouse holds a client to the way it registered: Basic, unless registered for the body.
    options.clientSecret === undefined ? oidc.None() : oidc.ClientSecretBasic(options.clientSecret),
    options.allowInsecureIssuer === true ? { execute: [oidc.allowInsecureRequests] } : undefined,
  );
  // Pending logins by `state`, kept 10 minutes (a real app would use its own session store).
  const pending = new Map<string, Pending>();
  const scope = options.scope ?? 'openid email';

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', options.redirectUri);
    const send = (status: number, html: string, headers: Record<string, string> = {}) => {
      response.writeHead(status, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        ...headers,
      });
      response.end(html);
    };
    if (url.pathname === '/') {
      return send(
        200,
        page('Example app', '<p><a id="sign-in" href="/login">Sign in with Gatehouse</a></p>'),
      );
    }
    if (url.pathname === '/login') {
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const now = Date.now();
      for (const [key, value] of pending) if (now - value.createdAt > 600_000) pending.delete(key);
      pending.set(state, { verifier, nonce, createdAt: now });
      const target = oidc.buildAuthorizationUrl(config, {
        redirect_uri: options.redirectUri,
        scope,
        state,
        nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
      response.writeHead(303, { location: target.href });
      return response.end();
    }
    if (url.pathname === new URL(options.redirectUri).pathname) {
      const state = url.searchParams.get('state') ?? '';
      const started = pending.get(state);
      pending.delete(state);
      if (started === undefined)
        return send(400, page('Sign-in failed', '<p>Unknown or expired sign-in attempt.</p>'));
      if (url.searchParams.has('error'))
        return send(
          403,
          page('Sign-in cancelled', `<p id="error">${esc(url.searchParams.get('error'))}</p>`),
        );
      try {
        const tokens = await oidc.authorizationCodeGrant(config, url, {
          pkceCodeVerifier: started.verifier,
          expectedState: state,
          expectedNonce: started.nonce,
        });
        const claims = tokens.claims();
        const info = await oidc.fetchUserInfo(config, tokens.access_token, claims?.sub ?? '');
        return send(
          200,
          page(
            'Signed in',
            `<p>Signed in as <strong id="who">${esc(info.email ?? info.sub)}</strong>.</p><p>Subject <code id="sub">${esc(claims?.sub)}</code> from <code>${esc(claims?.iss)}</code>.</p>`,
          ),
        );
      } catch (error) {
        return send(
          502,
          page('Sign-in failed', `<p>${esc(error instanceof Error ? error.message : 'error')}</p>`),
        );
      }
    }
    return send(404, page('Not found', ''));
  };

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      response.writeHead(500);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  const actual = typeof address === 'object' && address !== null ? address.port : port;
  return { url: `http://127.0.0.1:${actual}`, server };
}
