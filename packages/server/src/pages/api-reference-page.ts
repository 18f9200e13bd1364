import { html, type SafeHtml } from './html.ts';
import { layout } from './layout.ts';

/** The parts of an OpenAPI 3.1 document the reference page shows. */
interface Schema {
  readonly [key: string]: unknown;
}
interface Content {
  readonly [mediaType: string]: { readonly schema?: Schema };
}
interface Operation {
  readonly tags?: readonly string[];
  readonly summary?: string;
  readonly description?: string;
  readonly security?: readonly Readonly<Record<string, readonly string[]>>[];
  readonly parameters?: readonly {
    readonly name: string;
    readonly in: string;
    readonly required?: boolean;
    readonly schema?: Schema;
  }[];
  readonly requestBody?: { readonly content?: Content };
  readonly responses?: Readonly<
    Record<string, { readonly description?: string; readonly content?: Content }>
  >;
}
export interface OpenApiDocument {
  readonly info: { readonly title: string; readonly description?: string };
  readonly tags?: readonly { readonly name: string; readonly description?: string }[];
  readonly paths?: Readonly<Record<string, Readonly<Record<string, Operation>>>>;
  readonly components?: {
    readonly schemas?: Readonly<Record<string, Schema>>;
    readonly securitySchemes?: Readonly<Record<string, { readonly description?: string }>>;
  };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

const anchor = (method: string, path: string) =>
  `${method}-${path.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '')}`;

/** A description's `code spans` as <code>; everything else is text (escaped). */
function prose(text: string | undefined): SafeHtml[] {
  return (text ?? '').split('`').map((part, i) => (i % 2 === 1 ? html`<code>${part}</code>` : html`${part}`));
}

function schemaBlock(schema: Schema | undefined): SafeHtml | string {
  if (schema === undefined) return '';
  return html`<details><summary>schema</summary><pre>${JSON.stringify(schema, null, 2)}</pre></details>`;
}

function contentBlock(content: Content | undefined): SafeHtml[] {
  return Object.entries(content ?? {}).map(
    ([mediaType, { schema }]) => html`<div><code>${mediaType}</code>${schemaBlock(schema)}</div>`,
  );
}

function operationBlock(method: string, path: string, op: Operation): SafeHtml {
  const security = (op.security ?? []).flatMap((requirement) => Object.keys(requirement));
  return html`<section id="${anchor(method, path)}">
<h3><code>${method.toUpperCase()} ${path}</code></h3>
<p>${prose(op.summary)}</p>
${op.description === undefined ? '' : html`<p>${prose(op.description)}</p>`}
<p>Authentication: ${security.length === 0 ? 'none' : security.join(' or ')}</p>
${
  op.parameters === undefined || op.parameters.length === 0
    ? ''
    : html`<table><caption class="visually-hidden">Parameters</caption>
<tr><th>parameter</th><th>in</th><th>required</th><th>schema</th></tr>
${op.parameters.map(
  (p) =>
    html`<tr><td><code>${p.name}</code></td><td>${p.in}</td><td>${p.required === true ? 'yes' : 'no'}</td><td><code>${JSON.stringify(p.schema ?? {})}</code></td></tr>`,
)}</table>`
}
${op.requestBody === undefined ? '' : html`<h4>Request body</h4>${contentBlock(op.requestBody.content)}`}
<h4>Responses</h4>
<table><caption class="visually-hidden">Responses</caption>
<tr><th>status</th><th>meaning</th><th>body</th></tr>
${Object.entries(op.responses ?? {}).map(
  ([status, response]) =>
    html`<tr><td>${status}</td><td>${prose(response.description)}</td><td>${contentBlock(response.content)}</td></tr>`,
)}</table>
</section>`;
}

/**
 * The API reference, rendered from the OpenAPI document by us: no script, no third-party asset,
 * the pages' own layout and CSP. Rendered once per document; the nonce is filled in per response.
 */
export function apiReferencePage(doc: OpenApiDocument): (nonce: string) => string {
  const operations = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
    METHODS.flatMap((method) => (item[method] === undefined ? [] : [{ method, path, op: item[method] }])),
  );
  const sections = (doc.tags ?? []).map((tag) => {
    const mine = operations.filter(({ op }) => op.tags?.includes(tag.name));
    return html`<h2 id="tag-${tag.name}">${tag.name}</h2>
<p>${prose(tag.description)}</p>
${mine.map(({ method, path, op }) => operationBlock(method, path, op))}`;
  });
  const body = html`<div class="reference"><h1>${doc.info.title}</h1>
<p>${prose(doc.info.description)}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).
OAuth 2.0 and OpenID Connect: <a href="/.well-known/openid-configuration">the discovery document</a>.</p>
<nav><ul>${(doc.tags ?? []).map((tag) => html`<li><a href="#tag-${tag.name}">${tag.name}</a></li>`)}</ul></nav>
<h2 id="authentication">Authentication</h2>
<dl>${Object.entries(doc.components?.securitySchemes ?? {}).map(
    ([name, scheme]) => html`<dt>${name}</dt><dd>${prose(scheme.description)}</dd>`,
  )}</dl>
${sections}
<h2 id="schemas">Shared schemas</h2>
${Object.entries(doc.components?.schemas ?? {}).map(
  ([name, schema]) => html`<h3 id="schema-${name}">${name}</h3><pre>${JSON.stringify(schema, null, 2)}</pre>`,
)}</div>`;
  return (nonce) => layout({ title: 'API reference', nonce, body });
}
