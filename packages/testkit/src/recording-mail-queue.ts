import type { MailQueue, MailRequest } from '@gatehouse/core';

/** A `MailQueue` that keeps what it was given, for tests that assert on what the domain asked to send. */
export class RecordingMailQueue implements MailQueue {
  readonly requests: MailRequest[] = [];

  async enqueue(request: MailRequest, _now: number): Promise<void> {
    this.requests.push(request);
  }

  /** Requests to `address`, oldest first. */
  to(address: string): MailRequest[] {
    return this.requests.filter((request) => request.to === address);
  }

  /** The newest request to `address`, or undefined. */
  lastTo(address: string): MailRequest | undefined {
    return this.to(address).at(-1);
  }
}
