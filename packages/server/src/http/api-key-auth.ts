import { GatehouseError, type RateLimitResult, type VerifiedApiKey } from '@gatehouse/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Gatehouse } from '../gatehouse.ts';
import { requestMeta } from './request-meta.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's verified API key, once a key-accepting gate ran. */
    apiKey: VerifiedApiKey | null;
  }
}

const FAILURE_WINDOW_SECONDS = 60;
const MAX_BLOCKED_ADDRESSES = 10_000;

/** One map per node, shared by every key-accepting route: blocked addresses are blocked everywhere. */
const blockedAddresses = new WeakMap<Gatehouse, Map<string, number>>();
function blockedAddressesOf(gatehouse: Gatehouse): Map<string, number> {
  let blocked = blockedAddresses.get(gatehouse);
  if (blocked === undefined) {
    blocked = new Map();
    blockedAddresses.set(gatehouse, blocked);
  }
  return blocked;
}

/** `RateLimit-Policy` and `RateLimit` (IETF httpapi-ratelimit-headers), plus `Retry-After` on refusal. */
export function setRateLimitHeaders(reply: FastifyReply, result: RateLimitResult): void {
  reply.header('ratelimit-policy', `"api-key";q=${result.limit};w=${result.windowSeconds}`);
  reply.header('ratelimit', `"api-key";r=${result.remaining};t=${result.resetSeconds}`);
}

/**
 * Verifies a presented key: every failure is the same 401; repeated failures from one address
 * engage a shared limit (429), and then that address is refused before any lookup until it
 * expires. A good key then takes from its own bucket (429 with `Retry-After` when empty).
 */
export function createApiKeyAuthenticator(gatehouse: Gatehouse) {
  const blockedUntil = blockedAddressesOf(gatehouse);
  const failureRule = {
    limit: gatehouse.config.apiKeyFailureLimitPerIp,
    windowSeconds: FAILURE_WINDOW_SECONDS,
  };

  const refuseBlocked = (ip: string) => {
    const until = blockedUntil.get(ip);
    if (until === undefined) return;
    const now = gatehouse.clock.now();
    if (until <= now) {
      blockedUntil.delete(ip);
      return;
    }
    throw new GatehouseError('too_many_requests', { retryAfterSeconds: Math.ceil((until - now) / 1000) });
  };

  return async function authenticateApiKey(
    request: FastifyRequest,
    reply: FastifyReply,
    raw: string,
  ): Promise<VerifiedApiKey> {
    const ip = request.ip;
    refuseBlocked(ip);
    const result = await gatehouse.apiKeys.verify(raw, ip, requestMeta(request));
    if (!result.ok) {
      const failures = await gatehouse.rateLimiter.take(`api-key-failures:${ip}`, failureRule);
      if (!failures.allowed) {
        if (blockedUntil.size >= MAX_BLOCKED_ADDRESSES)
          blockedUntil.delete(blockedUntil.keys().next().value!);
        blockedUntil.set(ip, gatehouse.clock.now() + failures.retryAfterSeconds * 1000);
        throw new GatehouseError('too_many_requests', { retryAfterSeconds: failures.retryAfterSeconds });
      }
      throw new GatehouseError('invalid_api_key');
    }
    const { verified } = result;
    const limit = await gatehouse.rateLimiter.take(`api-key:${verified.key.id}`, verified.rateLimit);
    setRateLimitHeaders(reply, limit);
    if (!limit.allowed) {
      throw new GatehouseError('too_many_requests', {
        detail: 'This API key has exceeded its rate limit.',
        retryAfterSeconds: limit.retryAfterSeconds,
      });
    }
    request.apiKey = verified;
    return verified;
  };
}
