import { html } from './html.ts';
import { layout } from './layout.ts';

/** Shown once, right after creation: the only place the key ever appears. */
export function apiKeyCreatedPage(input: { nonce: string; name: string; key: string }): string {
  return layout({
    title: 'Your new API key',
    nonce: input.nonce,
    body: html`
<h1>Your new API key</h1>
<p class="notice" role="status">Copy it now: this is the only time it is shown. Gatehouse keeps only a keyed hash of it.</p>
<dl>
  <dt>Name</dt><dd>${input.name}</dd>
  <dt>Key</dt><dd><code id="new-api-key">${input.key}</code></dd>
</dl>
<p>Send it as <code>X-API-Key: &lt;key&gt;</code> or <code>Authorization: Bearer &lt;key&gt;</code>, never in a URL.</p>
<p><a href="/account">Back to your account</a></p>`,
  });
}
