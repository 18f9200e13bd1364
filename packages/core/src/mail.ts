/**
 * Outgoing email as the domain asks for it: a template, a recipient and the values the template
 * fills in. Rendering and delivery happen later, outside the request (an outbox with retries), so
 * how long a request takes never depends on whether an email was sent — or on whether the address
 * belongs to an account.
 */
export interface MailRequest {
  /** Canonical recipient address (see `canonicalEmail`). */
  readonly to: string;
  /** The name of a template the server knows (`password-reset`, `verify-email`, …). */
  readonly template: string;
  /** BCP 47 language tag; the template's default locale when absent or not provided. */
  readonly locale?: string | undefined;
  /** Values the template fills in; the renderer escapes them for HTML. */
  readonly values: Readonly<Record<string, string>>;
}

/** Where the domain hands emails over; the server's outbox implements it. */
export interface MailQueue {
  /** Records the email for delivery; resolves once it is stored durably, never after sending. */
  enqueue(request: MailRequest, now: number): Promise<void>;
}
