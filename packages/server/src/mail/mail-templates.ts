import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The templates shipped with the server: `packages/server/mail-templates/` (same depth from src/ and dist/). */
export const SHIPPED_TEMPLATES_DIR: string = fileURLToPath(new URL('../../mail-templates/', import.meta.url));

/** The locale every template has; the last step of the fallback chain. */
export const DEFAULT_MAIL_LOCALE = 'en';

/** One template in one locale, as its files hold it; `html` is optional (text-only mail). */
export interface MailTemplateSource {
  readonly template: string;
  readonly locale: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string | undefined;
}

/** A template the server does not have, or a malformed name: a bug of the caller, never user input. */
export class MailTemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MailTemplateError';
  }
}

const TEMPLATE_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
const LOCALE_TAG = /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8}){0,4}$/;

/**
 * The locales to try for a requested tag, most specific first: `fr-CA` → `fr-CA`, `fr`, `en`.
 * A malformed tag (it names files on disk) is ignored: the default locale alone.
 */
export function localeChain(locale: string | undefined): string[] {
  const chain: string[] = [];
  if (locale !== undefined && LOCALE_TAG.test(locale)) {
    const parts = locale.split('-');
    for (let n = parts.length; n > 0; n -= 1) chain.push(parts.slice(0, n).join('-'));
  }
  if (!chain.includes(DEFAULT_MAIL_LOCALE)) chain.push(DEFAULT_MAIL_LOCALE);
  return chain;
}

/**
 * Mail templates on disk: `<dir>/<template>/<locale>.subject.txt`, `<locale>.text.txt` and
 * optionally `<locale>.html`. The operator's directory (`GATEHOUSE_MAIL_TEMPLATES_DIR`) comes
 * before the shipped one, locale by locale: an operator's `fr` wins over the shipped `fr`, and the
 * shipped `fr` over the operator's `en`. Files are read once and kept (a restart picks up edits).
 */
export class MailTemplates {
  readonly #dirs: readonly string[];
  readonly #cache = new Map<string, MailTemplateSource | null>();

  constructor(options: { overrideDir?: string | undefined; shippedDir?: string }) {
    const shipped = options.shippedDir ?? SHIPPED_TEMPLATES_DIR;
    this.#dirs = options.overrideDir === undefined ? [shipped] : [resolve(options.overrideDir), shipped];
  }

  /** The best source for `template` in `locale`; throws `MailTemplateError` when there is none. */
  load(template: string, locale: string | undefined): MailTemplateSource {
    if (!TEMPLATE_NAME.test(template))
      throw new MailTemplateError(`malformed mail template name ${template}`);
    for (const candidate of localeChain(locale)) {
      for (const dir of this.#dirs) {
        const found = this.#read(dir, template, candidate);
        if (found !== null) return found;
      }
    }
    throw new MailTemplateError(
      `no mail template ${template} (locale ${DEFAULT_MAIL_LOCALE} at least is required)`,
    );
  }

  #read(dir: string, template: string, locale: string): MailTemplateSource | null {
    const key = `${dir}\0${template}\0${locale}`;
    const cached = this.#cache.get(key);
    if (cached !== undefined) return cached;
    const base = join(dir, template, locale);
    const file = (suffix: string) =>
      existsSync(base + suffix) ? readFileSync(base + suffix, 'utf8') : undefined;
    const subject = file('.subject.txt');
    const text = file('.text.txt');
    const html = file('.html');
    if ((subject === undefined || text === undefined) && (subject ?? text ?? html) !== undefined)
      throw new MailTemplateError(
        `mail template ${template}/${locale} in ${dir} needs both .subject.txt and .text.txt`,
      );
    const source =
      subject === undefined || text === undefined ? null : { template, locale, subject, text, html };
    this.#cache.set(key, source);
    return source;
  }
}
