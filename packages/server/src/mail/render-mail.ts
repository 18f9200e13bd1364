import Mustache from 'mustache';
import { MailTemplateError, type MailTemplateSource } from './mail-templates.ts';

/** A message ready for a transport: what the outbox seals and the worker sends. */
export interface RenderedMail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string | undefined;
  /** Template and locale used, kept as metadata (never the values). */
  readonly template: string;
  readonly locale: string;
}

const verbatim = (value: unknown): string => String(value);
const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
/** The five characters that matter in text and quoted attributes; links stay readable. */
const escapeHtml = (value: unknown): string => String(value).replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);

/** Names a template reads (`{{name}}`, sections), and whether it writes any value unescaped. */
function variables(source: string): { names: Set<string>; unescaped: boolean } {
  const names = new Set<string>();
  let unescaped = false;
  const walk = (tokens: readonly unknown[]) => {
    for (const token of tokens as readonly [string, string, number, number, unknown[]?][]) {
      const [kind, name, , , children] = token;
      if (kind === 'name' || kind === '#' || kind === '^') names.add(name);
      if (kind === '&' || kind === '{') {
        names.add(name);
        unescaped = true;
      }
      if (kind === '>') throw new MailTemplateError('mail templates cannot use partials');
      if (Array.isArray(children)) walk(children);
    }
  };
  walk(Mustache.parse(source));
  return { names, unescaped };
}

/**
 * Renders a template with user-controlled `values` (Mustache, logic-less). The HTML part escapes
 * every value and may not use `{{{…}}}`/`{{&…}}` (a name or link there would be markup); the
 * text parts take values verbatim. The subject is one line: CR, LF and other control characters
 * become spaces, so a value cannot add a header. A value the template names but the caller did
 * not give is a bug, reported rather than sent as a blank.
 */
export function renderMail(
  source: MailTemplateSource,
  to: string,
  values: Readonly<Record<string, string>>,
): RenderedMail {
  const parts = { subject: source.subject, text: source.text, html: source.html ?? '' };
  for (const [part, template] of Object.entries(parts)) {
    const { names, unescaped } = variables(template);
    if (part === 'html' && unescaped)
      throw new MailTemplateError(`${source.template}/${source.locale}.html writes a value unescaped`);
    for (const name of names)
      if (!Object.hasOwn(values, name))
        throw new MailTemplateError(`${source.template}/${source.locale} needs the value ${name}`);
  }
  const view = { ...values };
  const subject = Mustache.render(source.subject, view, {}, { escape: verbatim })
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
    .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ')
    .trim();
  return {
    to,
    subject,
    text: Mustache.render(source.text, view, {}, { escape: verbatim }),
    html:
      source.html === undefined ? undefined : Mustache.render(source.html, view, {}, { escape: escapeHtml }),
    template: source.template,
    locale: source.locale,
  };
}
