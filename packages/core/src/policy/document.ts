import { type Document, LineCounter, type Node, parseDocument } from 'yaml';
import { isValidPermission } from '../permissions.ts';
import { type CelT, parseAttributeType } from './cel-types.ts';
import type { SourceLocation } from './types.ts';

export const POLICY_SCHEMA_VERSION = 1;

export interface PolicyIssue extends SourceLocation {
  message: string;
  ruleId?: string;
}

/** A policy that failed to load. `issues` lists every problem with its file, line and rule id. */
export class PolicyError extends Error {
  readonly issues: readonly PolicyIssue[];
  constructor(issues: readonly PolicyIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'PolicyError';
    this.issues = issues;
  }
}

export function formatIssue(issue: PolicyIssue): string {
  const rule = issue.ruleId === undefined ? '' : ` rule "${issue.ruleId}":`;
  return `${issue.file}:${issue.line}:${issue.column}:${rule} ${issue.message}`;
}

export interface RoleDef {
  name: string;
  permissions: string[];
  inherits: string[];
  loc: SourceLocation;
}

export interface BindingDef {
  /** `type:id`, e.g. `user:alice`. */
  subject: string;
  roles: string[];
  tenant?: string;
  /** `type:id`, e.g. `project:42`. */
  resource?: string;
  loc: SourceLocation;
}

export interface RuleDef {
  id: string;
  effect: 'allow' | 'deny';
  /** Granted-style patterns (`notes:delete`, `notes:*`, `*:read`); `actions` are folded in here. */
  permissions: string[];
  resource?: string;
  roles?: string[];
  condition?: string;
  loc: SourceLocation;
  conditionLoc: SourceLocation;
}

export interface ResourceDef {
  type: string;
  actions: string[];
  /** Declared `resource.properties` types (`attributes:`); conditions are type-checked against them. */
  attributes: Map<string, CelT>;
  /** `strict: true`: a condition reading an undeclared attribute is refused (else it is `dyn`). */
  strict: boolean;
  loc: SourceLocation;
}

export interface PolicyDocument {
  file: string;
  version: number;
  source: string;
  roles: RoleDef[];
  bindings: BindingDef[];
  rules: RuleDef[];
  resources: ResourceDef[];
}

const NAME = /^[a-z][a-z0-9_.-]{0,63}$/;
const ENTITY = /^[A-Za-z][A-Za-z0-9_.-]{0,63}:[^\s:][^\s]{0,255}$/;
const RULE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const TOP_KEYS = new Set(['version', 'roles', 'bindings', 'rules', 'resources']);
const ROLE_KEYS = new Set(['name', 'description', 'permissions', 'inherits']);
const BINDING_KEYS = new Set(['subject', 'roles', 'tenant', 'resource']);
const RULE_KEYS = new Set([
  'id',
  'description',
  'effect',
  'actions',
  'permissions',
  'resource',
  'roles',
  'condition',
]);
const RESOURCE_KEYS = new Set(['actions', 'description', 'attributes', 'strict']);
const ATTRIBUTE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

type Path = (string | number)[];

class Checker {
  readonly issues: PolicyIssue[] = [];
  constructor(
    readonly file: string,
    readonly doc: Document,
    readonly lines: LineCounter,
  ) {}

  loc(path: Path): SourceLocation {
    // The deepest node that exists: a missing key is reported at its parent.
    for (let depth = path.length; depth >= 0; depth--) {
      const node = (depth === 0 ? this.doc.contents : this.doc.getIn(path.slice(0, depth), true)) as
        | Node
        | null
        | undefined;
      const start = node?.range?.[0];
      if (start !== undefined) {
        const pos = this.lines.linePos(start);
        return { file: this.file, line: pos.line, column: pos.col };
      }
    }
    return { file: this.file, line: 1, column: 1 };
  }

  issue(path: Path, message: string, ruleId?: string): void {
    this.issues.push({ ...this.loc(path), message, ...(ruleId === undefined ? {} : { ruleId }) });
  }

  keys(value: Record<string, unknown>, allowed: Set<string>, path: Path, ruleId?: string): void {
    for (const key of Object.keys(value)) {
      if (!allowed.has(key)) this.issue([...path, key], `unknown field "${key}"`, ruleId);
    }
  }

  string(value: unknown, path: Path, what: string, pattern?: RegExp, ruleId?: string): string | undefined {
    if (typeof value !== 'string' || value === '') {
      this.issue(path, `${what} must be a non-empty string`, ruleId);
      return undefined;
    }
    if (pattern !== undefined && !pattern.test(value)) {
      this.issue(path, `${what} ${JSON.stringify(value)} is malformed`, ruleId);
      return undefined;
    }
    return value;
  }

  strings(value: unknown, path: Path, what: string, pattern?: RegExp, ruleId?: string): string[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
      this.issue(path, `${what} must be a list`, ruleId);
      return [];
    }
    const out: string[] = [];
    value.forEach((item, i) => {
      const s = this.string(item, [...path, i], what, pattern, ruleId);
      if (s !== undefined) out.push(s);
    });
    return out;
  }

  permissions(value: unknown, path: Path, ruleId?: string): string[] {
    const list = this.strings(value, path, 'permission', undefined, ruleId);
    return list.filter((p, i) => {
      if (isValidPermission(p)) return true;
      this.issue([...path, i], `invalid permission ${JSON.stringify(p)} (expected resource:action)`, ruleId);
      return false;
    });
  }

  list(value: unknown, path: Path, what: string): unknown[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.issue(path, `${what} must be a list`);
      return [];
    }
    return value;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Parses and validates one policy document (YAML, or JSON, which the YAML parser reads too).
 * Throws PolicyError listing every problem with file, line, column and rule id.
 */
export function parsePolicyDocument(source: string, file = '<string>'): PolicyDocument {
  const lines = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const c = new Checker(file, doc, lines);
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const pos = lines.linePos(e.pos[0]);
      c.issues.push({
        file,
        line: pos.line,
        column: pos.col,
        message: e.message.split('\n')[0] ?? e.message,
      });
    }
    throw new PolicyError(c.issues);
  }
  const root: unknown = doc.toJS({ maxAliasCount: 50 });
  const out: PolicyDocument = { file, version: 0, source, roles: [], bindings: [], rules: [], resources: [] };
  if (!isRecord(root)) {
    c.issue([], 'a policy document must be a mapping with a "version"');
    throw new PolicyError(c.issues);
  }
  c.keys(root, TOP_KEYS, []);
  if (root.version !== POLICY_SCHEMA_VERSION) {
    c.issue(['version'], `version must be ${POLICY_SCHEMA_VERSION}`);
  }
  out.version = POLICY_SCHEMA_VERSION;

  for (const [i, raw] of c.list(root.roles, ['roles'], 'roles').entries()) {
    const path = ['roles', i];
    if (!isRecord(raw)) {
      c.issue(path, 'a role must be a mapping');
      continue;
    }
    c.keys(raw, ROLE_KEYS, path);
    const name = c.string(raw.name, [...path, 'name'], 'role name', NAME);
    const permissions = c.permissions(raw.permissions, [...path, 'permissions']);
    const inherits = c.strings(raw.inherits, [...path, 'inherits'], 'inherited role', NAME);
    if (name !== undefined) out.roles.push({ name, permissions, inherits, loc: c.loc(path) });
  }

  for (const [i, raw] of c.list(root.bindings, ['bindings'], 'bindings').entries()) {
    const path = ['bindings', i];
    if (!isRecord(raw)) {
      c.issue(path, 'a binding must be a mapping');
      continue;
    }
    c.keys(raw, BINDING_KEYS, path);
    const subject = c.string(raw.subject, [...path, 'subject'], 'subject (type:id)', ENTITY);
    const roles = c.strings(raw.roles, [...path, 'roles'], 'role', NAME);
    if (roles.length === 0 && raw.roles === undefined) c.issue(path, 'a binding needs "roles"');
    if (raw.tenant !== undefined && raw.resource !== undefined) {
      c.issue([...path, 'resource'], 'a binding is scoped to a tenant or to a resource, not both');
    }
    const tenant = raw.tenant === undefined ? undefined : c.string(raw.tenant, [...path, 'tenant'], 'tenant');
    const resource =
      raw.resource === undefined
        ? undefined
        : c.string(raw.resource, [...path, 'resource'], 'resource (type:id)', ENTITY);
    if (subject === undefined) continue;
    out.bindings.push({
      subject,
      roles,
      ...(tenant === undefined ? {} : { tenant }),
      ...(resource === undefined ? {} : { resource }),
      loc: c.loc(path),
    });
  }

  const ids = new Set<string>();
  for (const [i, raw] of c.list(root.rules, ['rules'], 'rules').entries()) {
    const path = ['rules', i];
    if (!isRecord(raw)) {
      c.issue(path, 'a rule must be a mapping');
      continue;
    }
    const id = c.string(raw.id, [...path, 'id'], 'rule id', RULE_ID);
    const rid = id ?? `#${i}`;
    if (id !== undefined && ids.has(id)) c.issue([...path, 'id'], 'duplicate rule id', rid);
    if (id !== undefined) ids.add(id);
    c.keys(raw, RULE_KEYS, path, rid);
    if (raw.effect !== 'allow' && raw.effect !== 'deny') {
      c.issue([...path, 'effect'], 'effect must be "allow" or "deny"', rid);
    }
    const resource =
      raw.resource === undefined
        ? undefined
        : c.string(raw.resource, [...path, 'resource'], 'resource type', NAME, rid);
    const permissions = c.permissions(raw.permissions, [...path, 'permissions'], rid);
    const actionPattern = /^(?:\*|[a-z][a-z0-9_.-]{0,63})$/;
    for (const action of c.strings(raw.actions, [...path, 'actions'], 'action', actionPattern, rid)) {
      permissions.push(`${resource ?? '*'}:${action}`);
    }
    if (raw.actions === undefined && raw.permissions === undefined) {
      c.issue(path, 'a rule needs "actions" or "permissions"', rid);
    }
    const roles =
      raw.roles === undefined ? undefined : c.strings(raw.roles, [...path, 'roles'], 'role', NAME, rid);
    let condition: string | undefined;
    if (raw.condition !== undefined)
      condition = c.string(raw.condition, [...path, 'condition'], 'condition', undefined, rid);
    if (id === undefined || (raw.effect !== 'allow' && raw.effect !== 'deny')) continue;
    out.rules.push({
      id,
      effect: raw.effect,
      permissions,
      ...(resource === undefined ? {} : { resource }),
      ...(roles === undefined ? {} : { roles }),
      ...(condition === undefined ? {} : { condition }),
      loc: c.loc(path),
      conditionLoc: c.loc([...path, 'condition']),
    });
  }

  if (raw(root.resources) !== undefined) {
    if (!isRecord(root.resources))
      c.issue(['resources'], 'resources must be a mapping of type to { actions }');
    else {
      for (const [type, def] of Object.entries(root.resources)) {
        const path = ['resources', type];
        if (!NAME.test(type)) c.issue(path, `resource type ${JSON.stringify(type)} is malformed`);
        if (!isRecord(def)) {
          c.issue(path, 'a resource declaration must be a mapping with "actions"');
          continue;
        }
        c.keys(def, RESOURCE_KEYS, path);
        const actions = c.strings(def.actions, [...path, 'actions'], 'action', NAME);
        const attributes = new Map<string, CelT>();
        if (def.attributes !== undefined) {
          if (!isRecord(def.attributes))
            c.issue([...path, 'attributes'], 'attributes must be a mapping of name to type');
          else
            for (const [name, text] of Object.entries(def.attributes)) {
              const at = [...path, 'attributes', name];
              const t = typeof text === 'string' ? parseAttributeType(text) : undefined;
              if (!ATTRIBUTE.test(name)) c.issue(at, `attribute name ${JSON.stringify(name)} is malformed`);
              else if (t === undefined)
                c.issue(
                  at,
                  `attribute "${name}" has an unknown type ${JSON.stringify(text)} (string, int, uint, double, bool, bytes, timestamp, duration, dyn, list<T>, map<K, V>)`,
                );
              else attributes.set(name, t);
            }
        }
        if (def.strict !== undefined && typeof def.strict !== 'boolean')
          c.issue([...path, 'strict'], 'strict must be true or false');
        out.resources.push({ type, actions, attributes, strict: def.strict === true, loc: c.loc(path) });
      }
    }
  }

  if (c.issues.length > 0) throw new PolicyError(c.issues);
  return out;
}

const raw = (v: unknown) => (v === null ? undefined : v);
