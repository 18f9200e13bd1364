import { html, type SafeHtml } from './html.ts';
import { layout } from './layout.ts';

/** One input of an account form (email or password; the token travels as a hidden field). */
export interface FormField {
  name: string;
  label: string;
  type: 'email' | 'password' | 'text';
  autocomplete: string;
  required?: boolean;
}

export interface AccountFormPageInput {
  nonce: string;
  title: string;
  intro?: string;
  error?: string;
  action: string;
  csrf: string;
  fields: readonly FormField[];
  /** Hidden values (the link's token); escaped like everything else. */
  hidden?: Readonly<Record<string, string>>;
  submit: string;
  /** Links under the form, as [href, text]: fixed paths only, never from the request. */
  links?: readonly (readonly [string, string])[];
}

function linkList(links: readonly (readonly [string, string])[] | undefined): SafeHtml | string {
  if (links === undefined || links.length === 0) return '';
  return html`<p>${links.map(([href, text], i) => html`${i > 0 ? ' · ' : ''}<a href="${href}">${text}</a>`)}</p>`;
}

/**
 * The pages of the account lifecycle (sign-up, verification, forgot and reset password, email
 * change, invitations): one form, posted to the same path, with the pre-session CSRF token. The
 * pages have no script; a link's token is posted back from a hidden field, never acted on by GET
 * (mail scanners follow links).
 */
export function accountFormPage(input: AccountFormPageInput): string {
  const maxLength = (type: FormField['type']) => (type === 'password' ? 1024 : 254);
  return layout({
    title: input.title,
    nonce: input.nonce,
    body: html`
<h1>${input.title}</h1>
${input.intro === undefined ? '' : html`<p>${input.intro}</p>`}
${input.error === undefined ? '' : html`<p class="error" role="alert" id="form-error">${input.error}</p>`}
<form class="stack" method="post" action="${input.action}" ${input.error === undefined ? '' : html`aria-describedby="form-error"`}>
  <input type="hidden" name="csrf" value="${input.csrf}">
  ${Object.entries(input.hidden ?? {}).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
  ${input.fields.map(
    (field, i) => html`<label for="${field.name}">${field.label}
    <input id="${field.name}" name="${field.name}" type="${field.type}" autocomplete="${field.autocomplete}" ${field.required === false ? '' : 'required'} maxlength="${maxLength(field.type)}" ${i === 0 ? 'autofocus' : ''}>
  </label>`,
  )}
  <button type="submit">${input.submit}</button>
</form>
${linkList(input.links)}`,
  });
}

/** A page that only says what happened (or why not), with where to go next. */
export function accountMessagePage(input: {
  nonce: string;
  title: string;
  message: string;
  kind?: 'notice' | 'error';
  links?: readonly (readonly [string, string])[];
}): string {
  const role = input.kind === 'error' ? 'alert' : 'status';
  return layout({
    title: input.title,
    nonce: input.nonce,
    body: html`
<h1>${input.title}</h1>
<p class="${input.kind ?? 'notice'}" role="${role}">${input.message}</p>
${linkList(input.links)}`,
  });
}

export const EMAIL_FIELD: FormField = { name: 'email', label: 'Email', type: 'email', autocomplete: 'email' };
export const NEW_PASSWORD_FIELD: FormField = {
  name: 'password',
  label: 'New password',
  type: 'password',
  autocomplete: 'new-password',
};
