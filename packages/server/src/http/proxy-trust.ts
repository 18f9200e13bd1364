import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';

/** Decides whether the peer at `hop` (0 = the socket's peer) is a proxy whose X-Forwarded-* counts. */
export type ProxyTrust = (address: string, hop: number) => boolean;

/**
 * GATEHOUSE_TRUST_PROXY as one function, given to Fastify and used by the engine lane alike, so the
 * two can never disagree about a client's address or scheme. `false` believes no header;
 * addresses and CIDRs (comma-separated, or `loopback`, `linklocal`, `uniquelocal`) believe exactly
 * those peers; a hop count believes that many proxies whoever sent the request, and `true` believes
 * everyone — both refused in production, where a client reaching Gatehouse directly could claim
 * https or any address.
 */
export function proxyTrust(setting: boolean | number | string): ProxyTrust {
  if (setting === true) return () => true;
  if (setting === false) return () => false;
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  return proxyAddr.compile(setting.split(',').map((entry) => entry.trim()));
}

/** The client's address: the last untrusted one in the chain socket peer → X-Forwarded-For. */
export function clientAddress(req: IncomingMessage, trust: ProxyTrust): string {
  const chain = proxyAddr.all(req, trust);
  return chain[chain.length - 1] ?? '';
}

/** `https` or `http`: X-Forwarded-Proto (its last entry) when the socket's peer is trusted. */
export function requestProtocol(req: IncomingMessage, trust: ProxyTrust): 'https' | 'http' {
  const forwarded = req.headers['x-forwarded-proto'];
  const peer = req.socket.remoteAddress;
  if (typeof forwarded === 'string' && forwarded !== '' && peer !== undefined && trust(peer, 0)) {
    const last = forwarded.slice(forwarded.lastIndexOf(',') + 1).trim();
    return last === 'https' ? 'https' : 'http';
  }
  return (req.socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http';
}
