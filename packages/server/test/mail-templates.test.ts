import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { localeChain, MailTemplateError, MailTemplates } from '../src/mail/mail-templates.ts';
import { renderMail } from '../src/mail/render-mail.ts';

const FIXTURES = fileURLToPath(new URL('./fixtures/mail-templates/', import.meta.url));
const values = { name: 'Ada', link: 'https://id.example.test/verify?token=abc' };

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function templateDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-templates-'));
  dirs.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

describe('mail templates', () => {
  it('falls back fr-CA -> fr -> en, and ignores a malformed locale', () => {
    expect(localeChain('fr-CA')).toEqual(['fr-CA', 'fr', 'en']);
    expect(localeChain(undefined)).toEqual(['en']);
    expect(localeChain('../../etc')).toEqual(['en']);
    const templates = new MailTemplates({ overrideDir: FIXTURES });
    expect(templates.load('test-message', 'fr-CA').locale).toBe('fr');
    expect(templates.load('test-message', 'de').locale).toBe('en');
  });

  it('an operator directory overrides the shipped file set, locale by locale', () => {
    const shipped = templateDir({
      'hello/en.subject.txt': 'shipped en',
      'hello/en.text.txt': 'x',
      'hello/fr.subject.txt': 'shipped fr',
      'hello/fr.text.txt': 'x',
    });
    const operator = templateDir({ 'hello/en.subject.txt': 'operator en', 'hello/en.text.txt': 'y' });
    const templates = new MailTemplates({ overrideDir: operator, shippedDir: shipped });
    expect(templates.load('hello', 'en').subject).toBe('operator en');
    expect(templates.load('hello', 'fr').subject).toBe('shipped fr');
  });

  it('refuses unknown and malformed template names', () => {
    const templates = new MailTemplates({ overrideDir: FIXTURES });
    expect(() => templates.load('no-such-template', 'en')).toThrow(MailTemplateError);
    expect(() => templates.load('../test-message', 'en')).toThrow(MailTemplateError);
  });
});

describe('renderMail', () => {
  const source = new MailTemplates({ overrideDir: FIXTURES }).load('test-message', 'en');

  it('fills subject, text and html', () => {
    const mail = renderMail(source, 'ada@example.test', values);
    expect(mail.subject).toBe('Hello Ada, your test message');
    expect(mail.text).toContain(`Open ${values.link} to continue.`);
    expect(mail.html).toContain(`<a href="${values.link}">`);
  });

  it('escapes a user-controlled value in HTML but not in text', () => {
    const name = `<script>alert("x")</script> O'Brien & co`;
    const mail = renderMail(source, 'ada@example.test', { ...values, name });
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; O&#39;Brien &amp; co');
    expect(mail.text).toContain(name);
  });

  it('a value cannot add a header through the subject (CR/LF removed)', () => {
    const mail = renderMail(source, 'ada@example.test', {
      ...values,
      name: 'Ada\r\nBcc: victim@example.test\n',
    });
    expect(mail.subject).toBe('Hello Ada Bcc: victim@example.test , your test message');
    expect(mail.subject).not.toMatch(/[\r\n]/);
  });

  it('a missing value or an unescaped HTML value is a template error, not a blank', () => {
    expect(() => renderMail(source, 'ada@example.test', { name: 'Ada' })).toThrow(/needs the value link/);
    const raw = { ...source, html: '<p>{{{name}}}</p>' };
    expect(() => renderMail(raw, 'ada@example.test', values)).toThrow(/unescaped/);
  });
});
