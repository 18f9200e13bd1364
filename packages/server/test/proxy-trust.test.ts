import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { clientAddress, proxyTrust, requestProtocol } from '../src/http/proxy-trust.ts';

/** A request as Node's server hands it over, from `peer`, with the given headers. */
function incoming(peer: string, headers: Record<string, string>): IncomingMessage {
  const socket = new Socket();
  Object.defineProperty(socket, 'remoteAddress', { value: peer });
  const req = new IncomingMessage(socket);
  req.headers = headers;
  return req;
}

const forwarded = { 'x-forwarded-for': '198.51.100.9, 203.0.113.7', 'x-forwarded-proto': 'https' };

describe('proxyTrust', () => {
  it('false believes no header', () => {
    const trust = proxyTrust(false);
    const req = incoming('10.0.0.5', forwarded);
    expect(clientAddress(req, trust)).toBe('10.0.0.5');
    expect(requestProtocol(req, trust)).toBe('http');
  });

  it('a hop count believes that many proxies, counted from the socket', () => {
    const req = incoming('10.0.0.5', forwarded);
    expect(clientAddress(req, proxyTrust(1))).toBe('203.0.113.7');
    expect(clientAddress(req, proxyTrust(2))).toBe('198.51.100.9');
    expect(requestProtocol(req, proxyTrust(1))).toBe('https');
  });

  it('addresses and CIDRs believe exactly those peers', () => {
    const trust = proxyTrust('10.0.0.0/8, 192.0.2.1');
    expect(clientAddress(incoming('10.0.0.5', forwarded), trust)).toBe('203.0.113.7');
    expect(requestProtocol(incoming('10.0.0.5', forwarded), trust)).toBe('https');
    expect(clientAddress(incoming('172.16.0.1', forwarded), trust)).toBe('172.16.0.1');
    expect(requestProtocol(incoming('172.16.0.1', forwarded), trust)).toBe('http');
  });

  it('takes the last X-Forwarded-Proto entry (the one the trusted proxy appended)', () => {
    const req = incoming('127.0.0.1', { 'x-forwarded-proto': 'https, http' });
    expect(requestProtocol(req, proxyTrust('loopback'))).toBe('http');
  });
});
