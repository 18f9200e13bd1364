import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

declare module 'fastify' {
  interface FastifyInstance {
    /** This node's connections, drained on shutdown (server.ts). */
    readonly connections: ConnectionDrain;
  }
}

/**
 * How long a connection that is idle when shutdown starts stays open. A keep-alive client may
 * have sent its next request already; closing at once would reset it. Within this time the
 * request is answered (with `Connection: close`); a connection idle this long is not in use.
 */
export const IDLE_LINGER_MS = 250;

export interface ConnectionDrain {
  /** True once draining started. */
  readonly draining: boolean;
  /** Aborted when draining starts: long-lived responses (event streams) end themselves on it. */
  readonly signal: AbortSignal;
  /**
   * Stops accepting connections and lets the open ones finish: every response from now on says
   * `Connection: close` (so Node closes its socket after it), connections idle now close after
   * {@link IDLE_LINGER_MS}. Resolves `true` once all are closed, or `false` when `timeoutMs`
   * passed first and the rest were cut.
   */
  drain(timeoutMs: number): Promise<boolean>;
}

/** Tracks `server`'s connections and the responses in progress on each. */
export function connectionDrain(server: Server, idleLingerMs = IDLE_LINGER_MS): ConnectionDrain {
  const open = new Map<Socket, Set<ServerResponse>>();
  const controller = new AbortController();
  let draining = false;

  const closeWhenIdle = (socket: Socket) => {
    const timer = setTimeout(() => {
      // After the poll phase, so bytes that arrived meanwhile are parsed into a request first.
      setImmediate(() => {
        if ((open.get(socket)?.size ?? 0) === 0) socket.end();
      });
    }, idleLingerMs);
    timer.unref();
  };

  server.on('connection', (socket: Socket) => {
    open.set(socket, new Set());
    socket.once('close', () => open.delete(socket));
    if (draining) closeWhenIdle(socket);
  });
  // One listener for every response (no closure per request): `this` is the response.
  function responseClosed(this: ServerResponse) {
    const socket = this.req.socket;
    const responses = open.get(socket);
    responses?.delete(this);
    // Its headers went out before draining began (keep-alive): the connection is idle now.
    if (draining && responses?.size === 0 && !socket.destroyed) closeWhenIdle(socket);
  }
  // First of the 'request' listeners, so the header is set before any handler can answer.
  server.prependListener('request', (request, response) => {
    open.get(request.socket)?.add(response);
    if (draining) response.setHeader('connection', 'close');
    response.once('close', responseClosed);
  });

  return {
    get draining() {
      return draining;
    },
    signal: controller.signal,
    drain(timeoutMs) {
      if (draining) throw new Error('already draining');
      draining = true;
      // Node's close() destroys idle connections at once, racing requests already on the wire.
      server.closeIdleConnections = () => {};
      const done = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          for (const socket of open.keys()) socket.destroy();
          resolve(false);
        }, timeoutMs);
        server.close(() => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      for (const [socket, responses] of open) {
        for (const response of responses)
          if (!response.headersSent) response.setHeader('connection', 'close');
        if (responses.size === 0) closeWhenIdle(socket);
      }
      controller.abort();
      return done;
    },
  };
}
