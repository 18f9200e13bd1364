import { isGatehouseError, type RequestMeta } from '@gatehouse/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Gatehouse } from '../gatehouse.ts';
import { checkFetchMetadata, checkLoginCsrf, loginFormToken } from '../http/csrf.ts';
import { sendProblem } from '../http/problem.ts';
import { requestMeta } from '../http/request-meta.ts';
import { sendPage } from '../http/security-headers.ts';
import {
  type AccountFormPageInput,
  accountFormPage,
  accountMessagePage,
} from '../pages/account-lifecycle-pages.ts';

export const SIGN_IN: readonly [string, string] = ['/login', 'Sign in'];

/** A page's form, without what each request supplies (nonce, CSRF token, error). */
export type Form = Omit<AccountFormPageInput, 'nonce' | 'csrf' | 'error'>;

/** What a POST's work answers: `json` (with its HTTP `status`) for an API client, `title` + detail as a page. */
export interface Outcome {
  status: number;
  json: { status: string; detail: string };
  title: string;
}

/** A page whose link carries a token: nothing of it may leak through Referer or a cache. */
export function tokenPageHeaders(reply: FastifyReply): void {
  reply.header('referrer-policy', 'no-referrer').header('cache-control', 'no-store');
}

function isForm(request: FastifyRequest): boolean {
  return String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
}

export interface AccountForms {
  formPage(
    request: FastifyRequest,
    reply: FastifyReply,
    form: Form,
    error?: string,
    status?: number,
  ): FastifyReply;
  messagePage(
    request: FastifyRequest,
    reply: FastifyReply,
    title: string,
    message: string,
    links?: readonly (readonly [string, string])[],
    status?: number,
  ): FastifyReply;
  post<B>(
    path: string,
    schema: object,
    body: object,
    form: (request: FastifyRequest<{ Body: B }>) => Form,
    run: (request: FastifyRequest<{ Body: B }>, meta: RequestMeta) => Promise<Outcome>,
  ): void;
}

/**
 * The account lifecycle's pages share one shape: a page (GET) and a form-or-JSON POST on the same
 * path. Posts pass the Fetch Metadata check; forms also carry the pre-session CSRF token (as the
 * sign-in form does). A refusal is problem+json for JSON, and the form again with the reason for a
 * browser.
 */
export function accountForms(app: FastifyInstance, gatehouse: Gatehouse): AccountForms {
  const issuerOrigin = new URL(gatehouse.config.issuer).origin;

  const formPage = (request: FastifyRequest, reply: FastifyReply, form: Form, error?: string, status = 200) =>
    sendPage(
      request,
      reply,
      accountFormPage({
        ...form,
        nonce: request.cspNonce,
        csrf: loginFormToken(request, reply, gatehouse.keys.csrf),
        ...(error === undefined ? {} : { error }),
      }),
      status,
    );
  const messagePage = (
    request: FastifyRequest,
    reply: FastifyReply,
    title: string,
    message: string,
    links: readonly (readonly [string, string])[] = [SIGN_IN],
    status = 200,
  ) =>
    sendPage(
      request,
      reply,
      accountMessagePage({
        nonce: request.cspNonce,
        title,
        message,
        links,
        kind: status >= 400 ? 'error' : 'notice',
      }),
      status,
    );

  /**
   * One POST: checks, then `run`; JSON gets `json` (with `status`), a form gets the message page.
   * A refusal is problem+json for JSON and the form again with the reason for a browser.
   */
  const post = <B>(
    path: string,
    schema: object,
    body: object,
    form: (request: FastifyRequest<{ Body: B }>) => Form,
    run: (request: FastifyRequest<{ Body: B }>, meta: RequestMeta) => Promise<Outcome>,
  ): void => {
    app.post<{ Body: B }>(
      path,
      { schema: { ...schema, body }, bodyLimit: 16 * 1024 },
      async (request, reply) => {
        const browser = isForm(request);
        try {
          checkFetchMetadata(request, issuerOrigin);
          if (browser) checkLoginCsrf(request, gatehouse.keys.csrfAccepted);
          const outcome = await run(request, requestMeta(request));
          reply.header('cache-control', 'no-store');
          if (!browser) return reply.code(outcome.status).send(outcome.json);
          return messagePage(request, reply, outcome.title, outcome.json.detail);
        } catch (error) {
          if (!browser || !isGatehouseError(error)) throw error;
          if (error.code === 'csrf_failed' && request.headers['sec-fetch-site'] === 'cross-site')
            return sendProblem(reply, error);
          if (error.retryAfterSeconds !== undefined)
            reply.header('retry-after', String(error.retryAfterSeconds));
          return formPage(request, reply, form(request), error.detail ?? error.title, error.status);
        }
      },
    );
  };
  return { formPage, messagePage, post };
}
