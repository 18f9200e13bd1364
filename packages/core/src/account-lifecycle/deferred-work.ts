/**
 * Work a request starts but does not wait for. The enumeration-free endpoints (forgot password,
 * sign-up, resend verification) answer after the checks every address gets alike, and do what
 * depends on whether the address has an account here, after the response: the response's timing
 * cannot tell the two apart. The work is lost if the process dies first; the person asks again.
 */
export class DeferredWork {
  readonly #pending = new Set<Promise<void>>();
  readonly #onError: (error: unknown, label: string) => void;

  constructor(onError: (error: unknown, label: string) => void) {
    this.#onError = onError;
  }

  /** Runs `work` on a later turn of the event loop; its failure goes to `onError`. */
  run(label: string, work: () => Promise<void>): void {
    const task: Promise<void> = new Promise<void>((resolve) => setTimeout(resolve, 0))
      .then(work)
      .catch((error: unknown) => this.#onError(error, label))
      .finally(() => this.#pending.delete(task));
    this.#pending.add(task);
  }

  /** Resolves once nothing is pending (including work that pending work started). */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }
}
