import type { DevOutboxEntry } from '../mail/dev-outbox.ts';
import { html } from './html.ts';
import { layout } from './layout.ts';

/** `/dev/mail`: what the dev outbox holds, newest first. */
export function devMailListPage(input: {
  nonce: string;
  entries: readonly DevOutboxEntry[];
  subjects: readonly string[];
  recipients: readonly string[];
}): string {
  const rows = input.entries.map(
    (entry, i) =>
      html`<tr><td>${new Date(entry.writtenAt).toISOString()}</td><td>${input.recipients[i] ?? ''}</td><td><a href="/dev/mail/${entry.id}">${input.subjects[i] || '(no subject)'}</a></td></tr>`,
  );
  return layout({
    title: 'Dev outbox',
    nonce: input.nonce,
    body: html`<h1>Dev outbox</h1>
<p>Email Gatehouse would have sent. Only outside production, with no SMTP server configured; files in the data directory's <code>mail/</code>.</p>
${
  rows.length === 0
    ? html`<p>No messages yet.</p>`
    : html`<table><thead><tr><th>Written</th><th>To</th><th>Subject</th></tr></thead><tbody>${rows}</tbody></table>`
}`,
  });
}

/** One message: its headers and text part (links are plain text: copy or open them). */
export function devMailMessagePage(input: {
  nonce: string;
  id: string;
  from: string;
  to: string;
  subject: string;
  date: string;
  messageId: string;
  text: string;
  hasHtml: boolean;
}): string {
  return layout({
    title: input.subject || 'Message',
    nonce: input.nonce,
    body: html`<p><a href="/dev/mail">All messages</a></p>
<h1>${input.subject || '(no subject)'}</h1>
<dl><dt>From</dt><dd>${input.from}</dd><dt>To</dt><dd>${input.to}</dd><dt>Date</dt><dd>${input.date}</dd><dt>Message-ID</dt><dd>${input.messageId}</dd></dl>
<pre>${input.text}</pre>
<p>${input.hasHtml ? 'It has an HTML part too. ' : ''}<a href="/dev/mail/${input.id}.eml">Download the .eml</a></p>`,
  });
}
