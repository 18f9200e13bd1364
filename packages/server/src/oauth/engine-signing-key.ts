import { createPublicKey, type KeyObject } from 'node:crypto';
import type { SigningAlgorithm } from '@gatehouse/core';
import { ExternalSigningKey } from 'oidc-provider';
import { jwsSignature, type SigningThread } from '../keys/key-material.ts';

/**
 * A key-ring key as the OAuth engine sees it: an identifier, an algorithm, a public key and a
 * signing operation — never the private key material (the engine's "external signing" interface,
 * meant for KMS and HSM keys). The engine then holds no private JWKs; signatures are made by
 * `jwsSignature` from key objects opened once, with no per-token key import, in the thread pool
 * or the event loop (`signingThreadFor`).
 */
export class EngineSigningKey extends ExternalSigningKey {
  readonly #alg: SigningAlgorithm;
  readonly #privateKey: KeyObject;
  readonly #publicKey: KeyObject;
  readonly #thread: SigningThread;

  constructor(
    key: { readonly kid: string; readonly alg: SigningAlgorithm; readonly privateKey: KeyObject },
    thread: SigningThread = 'thread-pool',
  ) {
    super();
    // The engine's class has setters for both; its typings declare the getters only.
    const identified = this as unknown as { kid: string; alg: string };
    identified.kid = key.kid;
    identified.alg = key.alg;
    this.#alg = key.alg;
    this.#privateKey = key.privateKey;
    this.#publicKey = createPublicKey(key.privateKey);
    this.#thread = thread;
  }

  /** The engine publishes and verifies with this: the public half only. */
  override keyObject(): KeyObject {
    return this.#publicKey;
  }

  override sign(data: Uint8Array): Promise<Buffer> {
    return jwsSignature(this.#alg, this.#privateKey, data, this.#thread);
  }
}
