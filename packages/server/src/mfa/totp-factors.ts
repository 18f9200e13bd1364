import {
  type Clock,
  newTotpSecret,
  randomId,
  type SecondFactorRecord,
  type SecondFactorStore,
  totpUri,
  verifyTotp,
} from '@gatehouse/core';
import { openTotpSecret, sealTotpSecret } from './totp-sealing.ts';

export interface TotpEnrolment {
  readonly factor: SecondFactorRecord;
  /** Base32, for manual entry; shown once and never again (only its sealed form is kept). */
  readonly secret: string;
  readonly uri: string;
}

/**
 * A user's TOTP factors: enrolment (unconfirmed until a first code), verification with replay
 * refusal (the store's compare-and-set on the time-step), sealing of the secret at rest.
 */
export class TotpFactors {
  readonly #store: SecondFactorStore;
  readonly #keys: readonly Buffer[];
  readonly #clock: Clock;
  readonly #issuer: string;

  constructor(options: {
    store: SecondFactorStore;
    keys: readonly Buffer[];
    clock: Clock;
    issuerName: string;
  }) {
    if (options.keys[0] === undefined) throw new RangeError('TOTP sealing needs the current key');
    this.#store = options.store;
    this.#keys = options.keys;
    this.#clock = options.clock;
    this.#issuer = options.issuerName;
  }

  async enrol(user: { id: string; email: string }, name: string): Promise<TotpEnrolment> {
    const id = `sf_${randomId(12)}`;
    const secret = newTotpSecret();
    const factor: SecondFactorRecord = {
      id,
      userId: user.id,
      kind: 'totp',
      name,
      sealedSecret: sealTotpSecret(this.#keys[0] as Buffer, id, secret),
      confirmed: false,
      createdAt: this.#clock.now(),
      lastUsedAt: null,
      lastStep: null,
    };
    await this.#store.insert(factor);
    return { factor, secret, uri: totpUri(secret, this.#issuer, user.email) };
  }

  /** The first code of an unconfirmed factor of `userId`: true when it is now active. */
  async confirm(userId: string, id: string, code: string): Promise<boolean> {
    const factor = await this.#store.find(id);
    if (factor === undefined || factor.userId !== userId || factor.confirmed) return false;
    return this.#accept(factor, code, true);
  }

  /** A login's code: true when one confirmed factor of the user accepts it for the first time. */
  async verify(userId: string, code: string): Promise<boolean> {
    for (const factor of await this.confirmed(userId))
      if (await this.#accept(factor, code, false)) return true;
    return false;
  }

  async confirmed(userId: string): Promise<SecondFactorRecord[]> {
    return (await this.#store.listByUser(userId)).filter((factor) => factor.confirmed);
  }

  async #accept(factor: SecondFactorRecord, code: string, confirm: boolean): Promise<boolean> {
    const now = this.#clock.now();
    const step = verifyTotp(openTotpSecret(this.#keys, factor.id, factor.sealedSecret), code, now);
    return step !== null && (await this.#store.acceptStep(factor.id, step, now, confirm));
  }
}
