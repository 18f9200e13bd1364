import { basename } from 'node:path';
import {
  type InvalidationBus,
  loadPolicyDocuments,
  type PolicyDocument,
  type PolicyDocumentRepository,
  PolicyEngine,
  parsePolicyDocument,
  parsePolicyDocuments,
} from '@gatehouse/core';
import type { Logger } from 'pino';

/** A document named in a validation error or listing: the directory's files or the API's names. */
export interface PolicySourceInfo {
  readonly name: string;
  readonly origin: 'directory' | 'api';
}

/**
 * The policy documents in force on this node: the read-only base from GATEHOUSE_POLICY_DIR (read
 * once at start: GitOps deploys restart the node) plus the documents managed through the admin
 * API, compiled together into one engine. Every change through the API is validated against the
 * whole set first, then stored, then announced on the invalidation bus so that every node reloads
 * (Redis pub/sub: well under a second). `engine` is undefined while there is no document at all:
 * the decision point then answers from the stored roles alone.
 */
export class PolicySet {
  readonly #base: readonly PolicyDocument[];
  readonly #repo: PolicyDocumentRepository;
  readonly #bus: InvalidationBus;
  readonly #logger: Logger;
  #engine: PolicyEngine | undefined;
  #apiNames: string[] = [];
  #reloads = 0;

  private constructor(
    base: PolicyDocument[],
    repo: PolicyDocumentRepository,
    bus: InvalidationBus,
    logger: Logger,
  ) {
    this.#base = base;
    this.#repo = repo;
    this.#bus = bus;
    this.#logger = logger;
  }

  /** Loads the directory (a broken file refuses to start: PolicyError) and the stored documents. */
  static async open(options: {
    dir: string | undefined;
    repo: PolicyDocumentRepository;
    bus: InvalidationBus;
    logger: Logger;
  }): Promise<PolicySet> {
    const base = options.dir === undefined ? [] : await loadPolicyDocuments(options.dir);
    const set = new PolicySet(base, options.repo, options.bus, options.logger);
    const stored = await options.repo.list();
    set.#engine = set.compile(stored.map((d) => parsePolicyDocument(d.source, d.name)));
    set.#apiNames = stored.map((d) => d.name);
    options.bus.subscribe((message) => {
      if (message.type === 'policies.changed' || message.type === 'invalidations.missed') void set.reload();
    });
    return set;
  }

  /** Where API-managed documents are stored. */
  get repository(): PolicyDocumentRepository {
    return this.#repo;
  }

  /** The compiled policy, or undefined when there are no documents. */
  get engine(): PolicyEngine | undefined {
    return this.#engine;
  }

  get sources(): PolicySourceInfo[] {
    return [
      ...this.#base.map((d) => ({ name: basename(d.file), origin: 'directory' as const })),
      ...this.#apiNames.map((name) => ({ name, origin: 'api' as const })),
    ];
  }

  /** Compiles the base with `stored` (throws PolicyError with file/line/rule); undefined when empty. */
  compile(stored: readonly PolicyDocument[]): PolicyEngine | undefined {
    const docs = [...this.#base, ...stored];
    return docs.length === 0 ? undefined : PolicyEngine.fromDocuments(docs);
  }

  /**
   * Validates the stored set with one document replaced (`source`) or removed (undefined).
   * Throws PolicyError naming the document, line and rule.
   */
  async validateChange(name: string, source: string | undefined): Promise<void> {
    const others = (await this.#repo.list()).filter((d) => d.name !== name);
    this.compile(parsePolicyDocuments([...others, ...(source === undefined ? [] : [{ name, source }])]));
  }

  /** After a change: reload here at once and tell every other node. */
  async changed(): Promise<void> {
    await this.reload();
    await this.#bus.publish({ type: 'policies.changed' });
  }

  /** Re-reads the stored documents; a set that no longer compiles keeps the previous engine. */
  async reload(): Promise<void> {
    const ticket = ++this.#reloads;
    try {
      // One read: the documents compiled and the names listed are the same set.
      const stored = await this.#repo.list();
      const engine = this.compile(stored.map((d) => parsePolicyDocument(d.source, d.name)));
      const names = stored.map((d) => d.name);
      if (ticket !== this.#reloads) return; // a newer reload is under way
      this.#engine = engine;
      this.#apiNames = names;
    } catch (error) {
      this.#logger.error({ err: error }, 'policy reload failed; keeping the previous policy');
    }
  }
}
