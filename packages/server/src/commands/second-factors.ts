import {
  GatehouseError,
  generateRecoveryCodes,
  hashRecoveryCode,
  type RequestMeta,
  type UserRecord,
} from '@gatehouse/core';
import type { Gatehouse } from '../gatehouse.ts';
import { qrSvg } from '../mfa/qr-svg.ts';

export interface SecondFactorView {
  readonly id: string;
  readonly kind: 'totp';
  readonly name: string;
  readonly confirmed: boolean;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
}

export interface SecondFactorsOverview {
  readonly factors: readonly SecondFactorView[];
  readonly recoveryCodesLeft: number;
}

export interface SecondFactorCommands {
  readonly listSecondFactors: (user: UserRecord) => Promise<SecondFactorsOverview>;
  /** A new, unconfirmed TOTP factor: the secret, its URI and QR code (shown once). */
  /** Needs the current password: a session alone must not be able to add a factor (and take the account). */
  readonly startTotpEnrolment: (
    user: UserRecord,
    name: string,
    currentPassword: string,
  ) => Promise<{ id: string; secret: string; uri: string; qrSvg: string }>;
  /** The first code activates it; the first active factor brings recovery codes (shown once). */
  readonly confirmTotp: (
    user: UserRecord,
    id: string,
    code: string,
    meta: RequestMeta,
  ) => Promise<{ recoveryCodes: readonly string[] | undefined }>;
  /** Needs the current password; says whether it was the last active factor. */
  readonly removeSecondFactor: (
    user: UserRecord,
    id: string,
    currentPassword: string,
    meta: RequestMeta,
  ) => Promise<{ lastFactorRemoved: boolean }>;
  readonly regenerateRecoveryCodes: (
    user: UserRecord,
    currentPassword: string,
    meta: RequestMeta,
  ) => Promise<readonly string[]>;
  /** An administrator removes every factor and recovery code of a user (they sign in with the password). */
  readonly resetSecondFactors: (
    userId: string,
    meta: RequestMeta | undefined,
  ) => Promise<{ removed: number }>;
}

/**
 * The user's own second factors (account page and `/account/mfa/…`) and the administrator's
 * reset. Every change is audited and emailed to the user (`second-factor-changed`).
 */
export function secondFactorCommands(gatehouse: Gatehouse): SecondFactorCommands {
  const { storage, totp, clock, audit, mail } = gatehouse;
  const notify = (user: UserRecord, change: string) =>
    mail.enqueue(
      { to: user.email, template: 'second-factor-changed', values: { email: user.email, change } },
      clock.now(),
    );
  // The one re-authentication, under the user's attempt budget (shared with password and email change).
  const reauthenticate = (user: UserRecord, password: string) =>
    gatehouse.accounts.verifyCurrentPassword(user.id, password);
  const newRecoveryCodes = async (user: UserRecord) => {
    const codes = generateRecoveryCodes();
    await storage.recoveryCodes.replace(user.id, codes.map(hashRecoveryCode), clock.now());
    return codes;
  };
  return {
    async listSecondFactors(user) {
      const factors = (await storage.secondFactors.listByUser(user.id)).map((f) => ({
        id: f.id,
        kind: f.kind,
        name: f.name,
        confirmed: f.confirmed,
        createdAt: f.createdAt,
        lastUsedAt: f.lastUsedAt,
      }));
      return { factors, recoveryCodesLeft: await storage.recoveryCodes.countUnused(user.id) };
    },

    async startTotpEnrolment(user, name, currentPassword) {
      const trimmed = name.trim();
      if (trimmed.length === 0 || trimmed.length > 64)
        throw new GatehouseError('invalid_request', {
          detail: 'Give the authenticator a name of 1 to 64 characters.',
        });
      await reauthenticate(user, currentPassword);
      // Abandoned enrolments are replaced rather than piling up.
      for (const factor of await storage.secondFactors.listByUser(user.id))
        if (!factor.confirmed) await storage.secondFactors.delete(factor.id, user.id);
      const enrolment = await totp.enrol(user, trimmed);
      return {
        id: enrolment.factor.id,
        secret: enrolment.secret,
        uri: enrolment.uri,
        qrSvg: await qrSvg(enrolment.uri),
      };
    },

    async confirmTotp(user, id, code, meta) {
      const hadActive = (await totp.confirmed(user.id)).length > 0;
      if (!(await totp.confirm(user.id, id, code.trim())))
        throw new GatehouseError('invalid_request', {
          detail: 'The code is not valid. Check the time on your device.',
        });
      await audit.record(
        'mfa.enrolled',
        { ...meta, actorId: user.id },
        { subjectId: user.id, details: { factor: id } },
      );
      await notify(user, 'An authenticator app was added as a second factor.');
      const needsCodes = !hadActive || (await storage.recoveryCodes.countUnused(user.id)) === 0;
      return { recoveryCodes: needsCodes ? await newRecoveryCodes(user) : undefined };
    },

    async removeSecondFactor(user, id, currentPassword, meta) {
      await reauthenticate(user, currentPassword);
      if (!(await storage.secondFactors.delete(id, user.id))) throw new GatehouseError('not_found');
      const lastFactorRemoved = (await totp.confirmed(user.id)).length === 0;
      // Without a factor, recovery codes would be a second factor of nothing: they go too.
      if (lastFactorRemoved) await storage.recoveryCodes.deleteByUser(user.id);
      await audit.record(
        'mfa.removed',
        { ...meta, actorId: user.id },
        { subjectId: user.id, details: { factor: id } },
      );
      await notify(
        user,
        lastFactorRemoved
          ? 'Your last second factor was removed: signing in now needs only your password.'
          : 'An authenticator app was removed from your second factors.',
      );
      return { lastFactorRemoved };
    },

    async regenerateRecoveryCodes(user, currentPassword, meta) {
      await reauthenticate(user, currentPassword);
      if ((await totp.confirmed(user.id)).length === 0)
        throw new GatehouseError('conflict', { detail: 'Add an authenticator app first.' });
      const codes = await newRecoveryCodes(user);
      await audit.record(
        'mfa.recovery_codes_regenerated',
        { ...meta, actorId: user.id },
        { subjectId: user.id },
      );
      await notify(user, 'New recovery codes were generated; the previous ones no longer work.');
      return codes;
    },

    async resetSecondFactors(userId, meta) {
      const user = await storage.users.findById(userId);
      if (user === undefined || user.kind !== 'user') throw new GatehouseError('not_found');
      const removed = await storage.secondFactors.deleteByUser(user.id);
      await storage.recoveryCodes.deleteByUser(user.id);
      await storage.loginTransactions.deleteByUser(user.id);
      await audit.record('mfa.reset', meta, { subjectId: user.id, details: { removed } });
      await notify(
        user,
        'An administrator removed your second factors: signing in now needs only your password.',
      );
      return { removed };
    },
  };
}
