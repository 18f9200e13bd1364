import { createHash } from 'node:crypto';
import { CelScalar, celEnv, isCelError, parse, plan } from '@bufbuild/cel';
import { permissionMatches } from '../permissions.ts';
import { assertAttributeSize, checkCondition, type ExprNode, rootExpr } from './cel-check.ts';
import { CEL_COST, estimateCost } from './cel-cost.ts';
import {
  activateMeter,
  BudgetExceeded,
  CostMeter,
  instrumentSteps,
  meteredEnv,
  stepFunction,
} from './cel-meter.ts';
import { type CelT, conformAttribute, MISMATCH, T, typeCheck, typeName } from './cel-types.ts';
import {
  type PolicyDocument,
  PolicyError,
  type PolicyIssue,
  parsePolicyDocument,
  type RuleDef,
} from './document.ts';
import { FALL_BACK, type FastCondition, fastCondition } from './fast-condition.ts';
import { GrantSet } from './grants.ts';
import type { Decision, DecisionReason, EvaluationRequest, SourceLocation, TraceEntry } from './types.ts';

const SEGMENT = /^[a-z][a-z0-9_.-]{0,63}$/;
const RULE_CACHE_LIMIT = 10_000;
const GRANTING_RULE_CACHE_LIMIT = 1_000;

const celEnvironment = celEnv({
  variables: {
    subject: CelScalar.DYN,
    resource: CelScalar.DYN,
    action: CelScalar.DYN,
    context: CelScalar.DYN,
  },
  funcs: [stepFunction],
});
/** What conditions are planned with: every call charged to the decision's meter. */
const meteredEnvironment = meteredEnv(celEnvironment);

type Condition = (bindings: CelBindings) => unknown;
interface CelBindings {
  subject: unknown;
  resource: unknown;
  action: unknown;
  context: unknown;
}

interface CompiledRule {
  id: string;
  deny: boolean;
  patterns: readonly string[];
  resource: string | undefined;
  roles: ReadonlySet<string> | undefined;
  condition: Condition | undefined;
  /** A shortcut for `a.b == c.d`-shaped conditions; falls back to `condition`. */
  fast: FastCondition | undefined;
  /** Static bound on the condition's cost, in units (0 without a condition). */
  costBound: number;
}

interface Scope {
  /** Every role held in this scope, inheritance flattened, in binding order. */
  roles: string[];
  roleSet: Set<string>;
  grants: GrantSet;
  /** Which role granted a permission, for traces (filled lazily, bounded). */
  grantingRules?: Map<string, string>;
}

interface SubjectAccess {
  global: Scope | undefined;
  tenants: Map<string, Scope>;
  resources: Map<string, Scope>;
}

interface RuleSlot {
  deny: CompiledRule[];
  allow: CompiledRule[];
  /** Set when the resource type or action is unknown: the request is denied before any rule. */
  unknown: string | undefined;
}

interface CompiledPolicy {
  policyVersion: string;
  subjects: Map<string, SubjectAccess>;
  rules: CompiledRule[];
  types: Set<string>;
  actions: Map<string, Set<string>>;
  roleGrants: Map<string, GrantSet>;
  flat: Map<string, FlatRole>;
  schemas: Map<string, ResourceSchema>;
}

interface FlatRole {
  grants: GrantSet;
  closure: string[];
}

/**
 * Roles and permissions a subject holds outside the policy documents (Gatehouse's stored role
 * assignments), resolved per request so that role changes apply at once. Role names that the
 * documents define bring their inheritance and every rule that names them; the permissions are
 * plain RBAC grants. Pass the same object again while it is unchanged: its scope is cached.
 */
export interface SubjectGrants {
  readonly roles: readonly string[];
  readonly permissions: readonly string[];
}

export interface PolicyEngineStats {
  roles: number;
  rules: number;
  subjects: number;
  resourceTypes: number;
}

/** Decisions that failed closed since this engine was compiled. */
export interface PolicyEngineCounters {
  /** Decisions with reason `error` (a condition errored, a malformed request, a spent budget). */
  evaluationErrors: number;
  /** Of those, decisions stopped because their conditions spent the cost budget. */
  budgetExceeded: number;
}

/**
 * An immutable, compiled policy: roles with flattened inheritance, subject bindings, and allow/deny
 * rules whose CEL conditions are compiled once. `evaluate` is pure and synchronous.
 *
 * Decision order: explicit deny (a matching deny rule, or one whose condition errors) beats any
 * allow; then an RBAC grant or a matching allow rule allows; otherwise default deny. Unknown
 * subjects, resource types and actions are denied. Load a new engine to change the policy.
 *
 * The permission asked is `${resource.type}:${action.name}`. Tenant-scoped bindings apply when
 * `resource.properties.tenant` names their tenant; resource-scoped bindings when `type:id` matches.
 */
export class PolicyEngine {
  readonly policyVersion: string;
  readonly #subjects: Map<string, SubjectAccess>;
  /** type → id → access: looked up without building the `type:id` string. */
  readonly #subjectIndex = new Map<string, Map<string, SubjectAccess>>();
  readonly #rules: CompiledRule[];
  /** type → action → rules (two levels: no `type:action` string per decision). */
  readonly #slots = new Map<string, Map<string, RuleSlot>>();
  #slotCount = 0;
  readonly #types: Set<string>;
  readonly #actions: Map<string, Set<string>>;
  readonly #roleGrants: Map<string, GrantSet>;
  readonly #flat: Map<string, FlatRole>;
  readonly #schemas: Map<string, ResourceSchema>;
  readonly #storedScopes = new WeakMap<SubjectGrants, Scope>();
  /** Merged global scopes, by stored scope then document scope: reused while both objects live. */
  readonly #mergedScopes = new WeakMap<Scope, WeakMap<Scope, Scope>>();
  readonly #counters: PolicyEngineCounters = { evaluationErrors: 0, budgetExceeded: 0 };

  private constructor(compiled: CompiledPolicy) {
    this.policyVersion = compiled.policyVersion;
    this.#subjects = compiled.subjects;
    for (const [key, access] of compiled.subjects) {
      const colon = key.indexOf(':');
      const type = key.slice(0, colon);
      let ids = this.#subjectIndex.get(type);
      if (ids === undefined) {
        ids = new Map();
        this.#subjectIndex.set(type, ids);
      }
      ids.set(key.slice(colon + 1), access);
    }
    this.#rules = compiled.rules;
    this.#types = compiled.types;
    this.#actions = compiled.actions;
    this.#roleGrants = compiled.roleGrants;
    this.#flat = compiled.flat;
    this.#schemas = compiled.schemas;
  }

  /** One policy document (YAML or JSON) from a string. */
  static fromString(source: string, file = '<string>'): PolicyEngine {
    return PolicyEngine.fromDocuments([parsePolicyDocument(source, file)]);
  }

  static fromDocuments(docs: readonly PolicyDocument[]): PolicyEngine {
    return new PolicyEngine(compile(docs));
  }

  get stats(): PolicyEngineStats {
    return {
      roles: this.#roleGrants.size,
      rules: this.#rules.length,
      subjects: this.#subjects.size,
      resourceTypes: this.#types.size,
    };
  }

  /** The static bound on a rule's condition cost, in units (checked against CEL_COST at load). */
  conditionCostBound(ruleId: string): number | undefined {
    return this.#rules.find((r) => r.id === ruleId)?.costBound;
  }

  /** Failed-closed decisions so far (a copy). */
  get counters(): PolicyEngineCounters {
    return { ...this.#counters };
  }

  /** Ids of the subjects of `type` that the documents bind (for AuthZEN subject search), sorted. */
  boundSubjects(type: string): string[] {
    return [...(this.#subjectIndex.get(type)?.keys() ?? [])].sort();
  }

  /** Ids of the resources of `type` named by resource-scoped bindings (AuthZEN resource search), sorted. */
  boundResources(type: string): string[] {
    const prefix = `${type}:`;
    const ids = new Set<string>();
    for (const access of this.#subjects.values()) {
      for (const key of access.resources.keys())
        if (key.startsWith(prefix)) ids.add(key.slice(prefix.length));
    }
    return [...ids].sort();
  }

  /** The actions the documents declare for `type` (AuthZEN action search); undefined when undeclared. */
  declaredActions(type: string): string[] | undefined {
    const actions = this.#actions.get(type);
    return actions === undefined ? undefined : [...actions].sort();
  }

  /**
   * The decision with its explanation. Never throws; any error fails closed. `stored` adds the
   * subject's roles and permissions held outside the documents (global scope).
   */
  evaluate(request: EvaluationRequest, stored?: SubjectGrants): Decision {
    const trace: TraceEntry[] = [];
    const meter = new CostMeter(CEL_COST.maxDecisionCost);
    let reason: DecisionReason;
    try {
      reason = this.#decide(
        request,
        trace,
        stored === undefined ? undefined : this.#storedScope(stored),
        meter,
      );
    } catch (error) {
      trace.push({ rule: 'engine', effect: 'deny', matched: true, error: message(error) });
      reason = 'error';
    }
    if (reason === 'error') this.#counters.evaluationErrors++;
    if (meter.exhausted) this.#counters.budgetExceeded++;
    return {
      decision: reason === 'allowed',
      reason,
      trace,
      policyVersion: this.policyVersion,
      cost: meter.used,
    };
  }

  /** Just the boolean. */
  isAllowed(request: EvaluationRequest): boolean {
    return this.evaluate(request).decision;
  }

  /** The stored roles (inheritance flattened) and permissions as one scope, cached per object. */
  #storedScope(stored: SubjectGrants): Scope {
    const cached = this.#storedScopes.get(stored);
    if (cached !== undefined) return cached;
    const scope: Scope = { roles: [], roleSet: new Set(), grants: new GrantSet() };
    for (const name of stored.roles) {
      const f = this.#flat.get(name);
      if (f === undefined) continue;
      scope.grants.addAll(f.grants);
      for (const r of f.closure) {
        if (scope.roleSet.has(r)) continue;
        scope.roleSet.add(r);
        scope.roles.push(r);
      }
    }
    for (const p of stored.permissions) {
      try {
        scope.grants.add(p);
      } catch {
        // A malformed stored permission grants nothing.
      }
    }
    this.#storedScopes.set(stored, scope);
    return scope;
  }

  /** Document bindings and stored roles, both global, as one scope, made once per pair. */
  #globalScope(documents: Scope | undefined, stored: Scope | undefined): Scope | undefined {
    if (stored === undefined) return documents;
    if (documents === undefined) return stored;
    let byDocuments = this.#mergedScopes.get(stored);
    if (byDocuments === undefined) {
      byDocuments = new WeakMap();
      this.#mergedScopes.set(stored, byDocuments);
    }
    let merged = byDocuments.get(documents);
    if (merged === undefined) {
      merged = mergeScopes(documents, stored);
      byDocuments.set(documents, merged);
    }
    return merged;
  }

  #decide(
    request: EvaluationRequest,
    trace: TraceEntry[],
    stored: Scope | undefined,
    meter: CostMeter,
  ): DecisionReason {
    const shapeError = requestShapeError(request);
    if (shapeError !== undefined) {
      trace.push({ rule: 'request', effect: 'deny', matched: true, error: shapeError });
      return 'error';
    }
    const { subject, resource, action } = request;
    const type = resource.type;
    const name = action.name;
    const slot = this.#slot(type, name);
    if (slot.unknown !== undefined) {
      // A type or action the documents do not declare: only a stored RBAC grant can allow it (no
      // rule can apply to it).
      if (stored?.grants.hasConcrete(type, name) === true) {
        trace.push({ rule: 'stored-role', effect: 'allow', matched: true });
        return 'allowed';
      }
      trace.push({ rule: 'schema', effect: 'deny', matched: true, error: slot.unknown });
      return 'no_match';
    }
    const access = this.#subjectIndex.get(subject.type)?.get(subject.id) ?? (stored && NO_BINDINGS);
    if (access === undefined) {
      trace.push({ rule: 'schema', effect: 'deny', matched: true, error: 'unknown subject' });
      return 'no_match';
    }
    const global = this.#globalScope(access.global, stored);
    let tenantScope: Scope | undefined;
    let resourceScope: Scope | undefined;
    if (access.tenants.size > 0) {
      const tenant = resource.properties?.tenant;
      if (typeof tenant === 'string') tenantScope = access.tenants.get(tenant);
    }
    if (access.resources.size > 0) resourceScope = access.resources.get(`${type}:${resource.id}`);
    // Only a permission with rules needs the evaluation context (most RBAC decisions have none).
    const ctx: EvalContext | undefined =
      slot.deny.length + slot.allow.length === 0
        ? undefined
        : {
            request,
            bindings: undefined,
            schema: this.#schemas.get(type),
            global,
            tenantScope,
            resourceScope,
            meter,
          };

    // 1. Explicit deny; an erroring deny rule denies (fail closed).
    let denied: DecisionReason | undefined;
    if (ctx !== undefined)
      for (const rule of slot.deny) {
        if (!holds(rule, ctx)) continue;
        const error = runCondition(rule, ctx);
        if (error !== undefined) {
          trace.push({ rule: rule.id, effect: 'deny', matched: false, error });
          denied ??= 'error';
        } else {
          trace.push({ rule: rule.id, effect: 'deny', matched: ctx.matched === true });
          if (ctx.matched === true) denied = 'denied';
        }
      }
    if (denied !== undefined) return denied;

    // 2. RBAC grant in any applicable scope.
    const granting =
      global?.grants.hasConcrete(type, name) === true
        ? global
        : tenantScope?.grants.hasConcrete(type, name) === true
          ? tenantScope
          : resourceScope?.grants.hasConcrete(type, name) === true
            ? resourceScope
            : undefined;
    if (granting !== undefined) {
      trace.push({
        rule: this.#grantingRule(granting, type, name),
        effect: 'allow',
        matched: true,
      });
      return 'allowed';
    }

    // 3. Allow rules; an erroring allow rule does not allow.
    if (ctx === undefined) return 'no_match';
    let errored = false;
    for (const rule of slot.allow) {
      if (!holds(rule, ctx)) continue;
      const error = runCondition(rule, ctx);
      if (error !== undefined) {
        trace.push({ rule: rule.id, effect: 'allow', matched: false, error });
        errored = true;
      } else {
        trace.push({ rule: rule.id, effect: 'allow', matched: ctx.matched === true });
        if (ctx.matched === true) return 'allowed';
      }
    }
    return errored ? 'error' : 'no_match';
  }

  /** `role:<name>` of the first role of the scope that grants the permission (cached per scope). */
  #grantingRule(scope: Scope, type: string, name: string): string {
    const permission = `${type}:${name}`;
    let names = scope.grantingRules;
    const cached = names?.get(permission);
    if (cached !== undefined) return cached;
    const role = scope.roles.find((r) => this.#roleGrants.get(r)?.hasConcrete(type, name));
    const rule = role === undefined ? 'stored-role' : `role:${role}`;
    if (names === undefined) {
      names = new Map();
      scope.grantingRules = names;
    }
    if (names.size < GRANTING_RULE_CACHE_LIMIT) names.set(permission, rule);
    return rule;
  }

  /** Rules for one concrete permission, or why the permission is unknown; cached (bounded). */
  #slot(type: string, action: string): RuleSlot {
    let byAction = this.#slots.get(type);
    const cached = byAction?.get(action);
    if (cached !== undefined) return cached;
    const permission = `${type}:${action}`;
    const slot: RuleSlot = { deny: [], allow: [], unknown: undefined };
    const declared = this.#actions.get(type);
    if (!this.#types.has(type)) slot.unknown = `unknown resource type "${type}"`;
    else if (declared === undefined ? !SEGMENT.test(action) : !declared.has(action)) {
      slot.unknown = `unknown action "${action}" on "${type}"`;
    } else {
      for (const rule of this.#rules) {
        if (rule.resource !== undefined && rule.resource !== type) continue;
        if (!rule.patterns.some((p) => permissionMatches(p, permission))) continue;
        (rule.deny ? slot.deny : slot.allow).push(rule);
      }
    }
    if (this.#slotCount < RULE_CACHE_LIMIT) {
      if (byAction === undefined) {
        byAction = new Map();
        this.#slots.set(type, byAction);
      }
      byAction.set(action, slot);
      this.#slotCount++;
    }
    return slot;
  }
}

const NO_BINDINGS: SubjectAccess = { global: undefined, tenants: new Map(), resources: new Map() };

/** Document bindings and stored roles as one scope. */
function mergeScopes(documents: Scope, stored: Scope): Scope {
  const grants = new GrantSet();
  grants.addAll(documents.grants);
  grants.addAll(stored.grants);
  const roles = [...documents.roles, ...stored.roles.filter((r) => !documents.roleSet.has(r))];
  return { roles, roleSet: new Set(roles), grants };
}

interface EvalContext {
  request: EvaluationRequest;
  bindings: CelBindings | undefined;
  /** The resource type's declared attributes, applied to the request's properties. */
  schema: ResourceSchema | undefined;
  global: Scope | undefined;
  tenantScope: Scope | undefined;
  resourceScope: Scope | undefined;
  meter: CostMeter;
  matched?: boolean;
}

/** Whether the subject holds one of the rule's roles (inheritance flattened) in an applicable scope. */
function holds(rule: CompiledRule, ctx: EvalContext): boolean {
  const roles = rule.roles;
  if (roles === undefined) return true;
  for (const role of roles) {
    if (
      ctx.global?.roleSet.has(role) ||
      ctx.tenantScope?.roleSet.has(role) ||
      ctx.resourceScope?.roleSet.has(role)
    ) {
      return true;
    }
  }
  return false;
}

/** Runs the rule's condition: sets ctx.matched, returns an error message on any failure. */
function runCondition(rule: CompiledRule, ctx: EvalContext): string | undefined {
  ctx.matched = false;
  if (rule.condition === undefined) {
    ctx.matched = true;
    return undefined;
  }
  const meter = ctx.meter;
  // A spent budget denies every further condition of the decision without running it.
  if (meter.exhausted) return `evaluation cost budget exceeded (${meter.limit} units)`;
  try {
    ctx.bindings ??= celBindings(ctx.request, ctx.schema);
    // Each condition is capped at the per-expression limit within what the decision has left.
    meter.limit = Math.min(CEL_COST.maxDecisionCost, meter.used + CEL_COST.maxExpressionCost);
    meter.charge(1);
    if (rule.fast !== undefined) {
      const quick = rule.fast(ctx.bindings as unknown as Record<string, unknown>);
      if (quick !== FALL_BACK) {
        ctx.matched = quick;
        return undefined;
      }
    }
    const outer = activateMeter(meter);
    let result: unknown;
    try {
      result = rule.condition(ctx.bindings);
    } finally {
      activateMeter(outer);
    }
    // A spent budget is an error even where CEL logic would have absorbed it (`true || error`).
    if (meter.exhausted) return `evaluation cost budget exceeded (${meter.limit} units)`;
    if (isCelError(result)) return result.message;
    if (typeof result !== 'boolean') return 'condition did not return a bool';
    ctx.matched = result;
    return undefined;
  } catch (error) {
    if (error instanceof BudgetExceeded) return error.message;
    return message(error);
  }
}

function celBindings(request: EvaluationRequest, schema: ResourceSchema | undefined): CelBindings {
  const { subject, resource, action } = request;
  // Bounded input for bounded expressions: oversized attributes fail closed.
  assertAttributeSize(subject.properties, resource.properties, action.properties, request.context);
  return {
    subject: { type: subject.type, id: subject.id, properties: subject.properties ?? {} },
    resource: {
      type: resource.type,
      id: resource.id,
      properties: conformProperties(resource.properties ?? {}, schema),
    },
    action: { name: action.name, properties: action.properties ?? {} },
    context: request.context ?? {},
  };
}

/**
 * The resource's properties as its type declares them (what the checker and the cost bound
 * assumed): a declared attribute of another type fails closed; `int` ones become CEL ints.
 */
function conformProperties(
  properties: Record<string, unknown>,
  schema: ResourceSchema | undefined,
): Record<string, unknown> {
  if (schema === undefined || schema.attributes.size === 0) return properties;
  let out = properties;
  for (const [name, t] of schema.attributes) {
    if (!Object.hasOwn(properties, name)) continue;
    const value = properties[name];
    const conformed = conformAttribute(value, t);
    if (conformed === MISMATCH) throw new Error(`resource attribute "${name}" is not a ${typeName(t)}`);
    if (conformed !== value) {
      if (out === properties) out = { ...properties };
      out[name] = conformed;
    }
  }
  return out;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Why a (possibly untrusted) request is malformed, or undefined when it is well-formed. */
export function requestShapeError(request: unknown): string | undefined {
  if (!isPlainObject(request)) return 'request must be an object';
  const { subject, resource, action, context } = request;
  // Checked without allocating: this runs on every decision.
  const subjectError = entityShapeError('subject', subject);
  if (subjectError !== undefined) return subjectError;
  const resourceError = entityShapeError('resource', resource);
  if (resourceError !== undefined) return resourceError;
  if (!isPlainObject(action)) return 'action must be an object';
  if (typeof action.name !== 'string' || action.name === '') return 'action.name must be a non-empty string';
  if (action.properties !== undefined && !isPlainObject(action.properties))
    return 'action.properties must be an object';
  if (context !== undefined && !isPlainObject(context)) return 'context must be an object';
  return undefined;
}

function entityShapeError(name: 'subject' | 'resource', entity: unknown): string | undefined {
  if (!isPlainObject(entity)) return `${name} must be an object`;
  if (typeof entity.type !== 'string' || entity.type === '') return `${name}.type must be a non-empty string`;
  if (typeof entity.id !== 'string' || entity.id === '') return `${name}.id must be a non-empty string`;
  if (entity.properties !== undefined && !isPlainObject(entity.properties)) {
    return `${name}.properties must be an object`;
  }
  return undefined;
}

/** A resource type's declared attributes, merged over the documents that declare the type. */
interface ResourceSchema {
  attributes: Map<string, CelT>;
  strict: boolean;
}

function mergeSchema(
  schemas: Map<string, ResourceSchema>,
  resource: PolicyDocument['resources'][number],
  at: (loc: SourceLocation, msg: string) => void,
): void {
  let schema = schemas.get(resource.type);
  if (schema === undefined) {
    schema = { attributes: new Map(), strict: false };
    schemas.set(resource.type, schema);
  }
  schema.strict ||= resource.strict;
  for (const [name, t] of resource.attributes) {
    const prior = schema.attributes.get(name);
    if (prior !== undefined && typeName(prior) !== typeName(t))
      at(resource.loc, `attribute "${name}" of "${resource.type}" is declared ${typeName(prior)} elsewhere`);
    else schema.attributes.set(name, t);
  }
}

/** A request entity as conditions see it: exactly these fields. */
const entityType = (name: string, fields: Record<string, CelT>): CelT => ({
  k: 'record',
  name,
  strict: true,
  fields: new Map(Object.entries(fields)),
});

/**
 * Type-checks a rule's condition once per resource type it can apply to (its `resource`, else
 * the types its permissions name), `resource.properties` typed by that type's declared
 * attributes; a wildcard or undeclared type leaves the properties dyn. The first error, if any.
 */
function checkTypes(
  rule: RuleDef,
  root: ExprNode,
  schemas: Map<string, ResourceSchema>,
): { error: string | undefined; cost: number } {
  let cost = 0;
  const candidates = new Set<string>();
  if (rule.resource !== undefined) candidates.add(rule.resource);
  else for (const p of rule.permissions) candidates.add(p.slice(0, p.indexOf(':')));
  for (const type of candidates) {
    const schema = type === '*' ? undefined : schemas.get(type);
    const properties: CelT =
      schema === undefined
        ? T.dyn
        : { k: 'record', name: `${type} properties`, fields: schema.attributes, strict: schema.strict };
    const vars = new Map<string, CelT>([
      ['subject', entityType('subject', { type: T.string, id: T.string, properties: T.dyn })],
      ['action', entityType('action', { name: T.string, properties: T.dyn })],
      ['context', T.dyn],
      ['resource', entityType('resource', { type: T.string, id: T.string, properties })],
    ]);
    const types = new Map<ExprNode, CelT>();
    const error = typeCheck(root, vars, types);
    if (error !== undefined) {
      const where = schema === undefined ? '' : ` (resource type "${type}")`;
      return { error: `type error: ${error}${where}`, cost: 0 };
    }
    // The bound with what the types tell (a declared string holds no items), for the dearest type.
    cost = Math.max(cost, estimateCost(root, types).cost);
  }
  return { error: undefined, cost };
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

function compile(docs: readonly PolicyDocument[]): CompiledPolicy {
  const issues: PolicyIssue[] = [];
  const at = (loc: SourceLocation, msg: string, ruleId?: string) =>
    issues.push({ ...loc, message: msg, ...(ruleId === undefined ? {} : { ruleId }) });

  const roles = new Map<string, PolicyDocument['roles'][number]>();
  const rules: RuleDef[] = [];
  const ruleIds = new Map<string, SourceLocation>();
  const types = new Set<string>();
  const actions = new Map<string, Set<string>>();
  const schemas = new Map<string, ResourceSchema>();
  for (const doc of docs) {
    for (const role of doc.roles) {
      const prior = roles.get(role.name);
      if (prior !== undefined)
        at(role.loc, `role "${role.name}" is already defined at ${prior.loc.file}:${prior.loc.line}`);
      else roles.set(role.name, role);
    }
    for (const rule of doc.rules) {
      const prior = ruleIds.get(rule.id);
      if (prior !== undefined)
        at(rule.loc, `duplicate rule id (also at ${prior.file}:${prior.line})`, rule.id);
      else ruleIds.set(rule.id, rule.loc);
      rules.push(rule);
    }
    for (const resource of doc.resources) {
      types.add(resource.type);
      const set = actions.get(resource.type) ?? new Set<string>();
      for (const a of resource.actions) set.add(a);
      actions.set(resource.type, set);
      mergeSchema(schemas, resource, at);
    }
  }

  // Role inheritance: unknown parents and cycles are load errors; then flatten.
  for (const role of roles.values()) {
    for (const parent of role.inherits) {
      if (!roles.has(parent)) at(role.loc, `role "${role.name}" inherits unknown role "${parent}"`);
    }
  }
  const flat = new Map<string, FlatRole>();
  const visiting: string[] = [];
  const cyclic = new Set<string>();
  const flatten = (name: string): FlatRole | undefined => {
    const done = flat.get(name);
    if (done !== undefined) return done;
    const role = roles.get(name);
    if (role === undefined) return undefined;
    const cycleStart = visiting.indexOf(name);
    if (cycleStart >= 0) {
      const cycle = [...visiting.slice(cycleStart), name];
      if (!cyclic.has(name)) at(role.loc, `role inheritance cycle: ${cycle.join(' -> ')}`);
      for (const r of cycle) cyclic.add(r);
      return undefined;
    }
    visiting.push(name);
    const grants = new GrantSet(role.permissions);
    const closure = [name];
    for (const parent of role.inherits) {
      const p = flatten(parent);
      if (p === undefined) continue;
      grants.addAll(p.grants);
      for (const r of p.closure) if (!closure.includes(r)) closure.push(r);
    }
    visiting.pop();
    const result = { grants, closure };
    flat.set(name, result);
    return result;
  };
  for (const name of roles.keys()) flatten(name);
  const roleGrants = new Map<string, GrantSet>();
  // A role's own permissions, to name the role that granted in a trace.
  for (const name of flat.keys()) roleGrants.set(name, new GrantSet(roles.get(name)?.permissions ?? []));
  for (const role of roles.values()) {
    for (const p of role.permissions) {
      const [resource] = p.split(':');
      if (resource !== undefined && resource !== '*') types.add(resource);
    }
  }

  // Bindings.
  const subjects = new Map<string, SubjectAccess>();
  const newScope = (): Scope => ({ roles: [], roleSet: new Set(), grants: new GrantSet() });
  for (const doc of docs) {
    for (const binding of doc.bindings) {
      let access = subjects.get(binding.subject);
      if (access === undefined) {
        access = { global: undefined, tenants: new Map(), resources: new Map() };
        subjects.set(binding.subject, access);
      }
      let scope: Scope;
      if (binding.tenant !== undefined) {
        scope = access.tenants.get(binding.tenant) ?? newScope();
        access.tenants.set(binding.tenant, scope);
      } else if (binding.resource !== undefined) {
        scope = access.resources.get(binding.resource) ?? newScope();
        access.resources.set(binding.resource, scope);
      } else {
        access.global ??= newScope();
        scope = access.global;
      }
      for (const name of binding.roles) {
        const f = flat.get(name);
        if (f === undefined) {
          if (!roles.has(name)) at(binding.loc, `binding of ${binding.subject} names unknown role "${name}"`);
          continue;
        }
        scope.grants.addAll(f.grants);
        for (const r of f.closure) {
          if (scope.roleSet.has(r)) continue;
          scope.roleSet.add(r);
          scope.roles.push(r);
        }
      }
    }
  }

  // Rules: compile each CEL condition once.
  const compiled: CompiledRule[] = [];
  for (const rule of rules) {
    if (rule.resource !== undefined) types.add(rule.resource);
    for (const p of rule.permissions) {
      const [resource] = p.split(':');
      if (resource !== undefined && resource !== '*') types.add(resource);
    }
    for (const r of rule.roles ?? []) {
      if (!roles.has(r)) at(rule.loc, `unknown role "${r}"`, rule.id);
    }
    let condition: Condition | undefined;
    let fast: FastCondition | undefined;
    let costBound = 0;
    if (rule.condition !== undefined) {
      try {
        const parsed = parse(rule.condition);
        const checked = checkCondition(celEnvironment, parsed, rule.condition);
        for (const issue of checked.issues) at(rule.conditionLoc, `condition: ${issue}`, rule.id);
        const root = rootExpr(parsed);
        // Only for a condition within the size and nesting limits: the cost bound walks loops twice.
        const { error: typeError, cost } =
          checked.issues.length === 0 ? checkTypes(rule, root, schemas) : { error: undefined, cost: 0 };
        if (typeError !== undefined) at(rule.conditionLoc, `condition: ${typeError}`, rule.id);
        costBound = cost;
        if (cost > CEL_COST.maxExpressionCost) {
          const shown = Number.isFinite(cost) ? String(Math.ceil(cost)) : 'unbounded';
          at(
            rule.conditionLoc,
            `condition: estimated worst-case cost ${shown} exceeds the limit of ${CEL_COST.maxExpressionCost} units (loops over request lists multiply what they contain: nested loops, regexes and string scans, comparisons of undeclared attributes; declared attribute types tighten the bound)`,
            rule.id,
          );
        }
        if (issues.length === 0) {
          fast = fastCondition(parsed);
          instrumentSteps(root);
          condition = plan(meteredEnvironment, parsed) as unknown as Condition;
        }
      } catch (error) {
        at(rule.conditionLoc, `condition does not compile: ${message(error)}`, rule.id);
      }
    }
    compiled.push({
      id: rule.id,
      deny: rule.effect === 'deny',
      patterns: rule.permissions,
      resource: rule.resource,
      roles: rule.roles === undefined ? undefined : new Set(rule.roles),
      condition,
      fast,
      costBound,
    });
  }

  if (issues.length > 0) throw new PolicyError(issues);
  // The version names the content (file base names and text), not where the files were read from.
  const hash = createHash('sha256');
  const parts = docs.map((d) => `${d.file.slice(d.file.lastIndexOf('/') + 1)}\0${d.source}\0`).sort();
  for (const part of parts) hash.update(part);
  const version = `v${docs[0]?.version ?? 1}-${hash.digest('hex').slice(0, 12)}`;
  return { policyVersion: version, subjects, rules: compiled, types, actions, roleGrants, flat, schemas };
}
