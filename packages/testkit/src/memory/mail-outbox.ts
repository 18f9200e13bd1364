import type {
  MailOutboxClaim,
  MailOutboxMessage,
  MailOutboxStatus,
  MailOutboxStore,
  NewMailOutboxMessage,
} from '@gatehouse/core';

/** The reference outbox: one map; JavaScript runs one claim at a time, which makes claims atomic. */
export class MemoryMailOutboxStore implements MailOutboxStore {
  readonly #messages = new Map<string, MailOutboxMessage & { owner: string | null }>();

  async enqueue(message: NewMailOutboxMessage): Promise<void> {
    if (this.#messages.has(message.id)) throw new Error(`mail outbox message ${message.id} exists`);
    this.#messages.set(message.id, {
      ...message,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: message.createdAt,
      leaseUntil: null,
      finishedAt: null,
      lastError: null,
      owner: null,
    });
  }

  async claim({ limit, now, leaseMs, owner }: MailOutboxClaim): Promise<MailOutboxMessage[]> {
    const due = [...this.#messages.values()]
      .filter(
        (m) =>
          m.status === 'pending' && m.nextAttemptAt <= now && (m.leaseUntil === null || m.leaseUntil <= now),
      )
      .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || (a.id < b.id ? -1 : 1))
      .slice(0, limit);
    return due.map((m) => {
      const claimed = { ...m, attempts: m.attempts + 1, leaseUntil: now + leaseMs, owner };
      this.#messages.set(m.id, claimed);
      return strip(claimed);
    });
  }

  async markSent(id: string, owner: string, now: number): Promise<boolean> {
    return this.#finish(id, owner, (m) => ({ ...m, status: 'sent', sealed: null, finishedAt: now }));
  }

  async markFailed(
    id: string,
    owner: string,
    failure: { error: string; retryAt: number | null },
    now: number,
  ): Promise<boolean> {
    return this.#finish(id, owner, (m) =>
      failure.retryAt === null
        ? { ...m, status: 'dead', sealed: null, finishedAt: now, lastError: failure.error }
        : { ...m, nextAttemptAt: failure.retryAt, lastError: failure.error },
    );
  }

  #finish(
    id: string,
    owner: string,
    change: (m: MailOutboxMessage & { owner: string | null }) => MailOutboxMessage,
  ): boolean {
    const message = this.#messages.get(id);
    if (message?.status !== 'pending' || message.owner !== owner) return false;
    this.#messages.set(id, { ...change(message), leaseUntil: null, owner: null });
    return true;
  }

  async list(options: { limit: number; status?: MailOutboxStatus }): Promise<MailOutboxMessage[]> {
    return [...this.#messages.values()]
      .filter((m) => options.status === undefined || m.status === options.status)
      .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1))
      .slice(0, options.limit)
      .map(strip);
  }

  async depth(): Promise<{ pending: number; dead: number }> {
    const all = [...this.#messages.values()];
    return {
      pending: all.filter((m) => m.status === 'pending').length,
      dead: all.filter((m) => m.status === 'dead').length,
    };
  }

  async deleteFinishedBefore(before: number): Promise<number> {
    let deleted = 0;
    for (const [id, m] of this.#messages)
      if (m.status !== 'pending' && m.finishedAt !== null && m.finishedAt < before) {
        this.#messages.delete(id);
        deleted += 1;
      }
    return deleted;
  }

  async pageSealed(after: string | null, limit: number): Promise<{ id: string; sealed: string }[]> {
    return [...this.#messages.values()]
      .filter((m) => m.status === 'pending' && m.sealed !== null && (after === null || m.id > after))
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .slice(0, limit)
      .map((m) => ({ id: m.id, sealed: m.sealed as string }));
  }

  async replaceSealed(id: string, expected: string, sealed: string): Promise<boolean> {
    const message = this.#messages.get(id);
    if (message?.status !== 'pending' || message.sealed !== expected) return false;
    this.#messages.set(id, { ...message, sealed });
    return true;
  }
}

function strip({
  owner: _owner,
  ...message
}: MailOutboxMessage & { owner: string | null }): MailOutboxMessage {
  return message;
}
