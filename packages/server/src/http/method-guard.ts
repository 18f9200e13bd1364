import { GatehouseError } from '@gatehouse/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import { sendProblem } from './problem.ts';

const METHODS: HTTPMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * Unknown routes answer 404; known paths with another method answer 405 with `Allow` (TRACE
 * included). A shadow router mirrors every registered route so the check matches paths exactly as
 * Fastify does.
 */
export function installMethodGuard(app: FastifyInstance): void {
  const shadow = FindMyWay();
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (METHODS.includes(method as HTTPMethod)) shadow.on(method as HTTPMethod, route.url, () => undefined);
    }
  });
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0] ?? '/';
    const allowed = METHODS.filter((method) => shadow.find(method, path) !== null);
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '));
      return sendProblem(reply, new GatehouseError('method_not_allowed'));
    }
    return sendProblem(reply, new GatehouseError('not_found'));
  });
}
