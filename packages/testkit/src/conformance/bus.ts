import type { Invalidation, InvalidationBus } from '@gatehouse/core';
import { describe, expect, it } from 'vitest';
import { type MakeFixture, useFixture } from './fixtures.ts';

/**
 * The invalidation bus as one node sees it: a publish has reached this node's subscribers by the
 * time it resolves (the node that made a change never serves stale data), and an unsubscribed
 * handler hears nothing more. Delivery to other nodes is each adapter's own test (pub/sub).
 */
export function describeInvalidationBusConformance(name: string, make: MakeFixture<InvalidationBus>): void {
  describe(`${name}: InvalidationBus conformance`, () => {
    const fixture = useFixture(make);

    it('delivers a publish to every local subscriber before it resolves; unsubscribing stops it', async () => {
      const bus = fixture().store;
      const a: Invalidation[] = [];
      const b: Invalidation[] = [];
      const stopA = bus.subscribe((message) => a.push(message));
      const stopB = bus.subscribe((message) => b.push(message));
      const message: Invalidation = { type: 'user.changed', userId: 'u1' };
      await bus.publish(message);
      expect(a).toContainEqual(message);
      expect(b).toContainEqual(message);
      stopA();
      const later: Invalidation = { type: 'session.revoked', idHash: 'h1' };
      await bus.publish(later);
      expect(a).not.toContainEqual(later);
      expect(b).toContainEqual(later);
      stopB();
    });
  });
}
