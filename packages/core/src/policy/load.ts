import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type PolicyDocument, PolicyError, type PolicyIssue, parsePolicyDocument } from './document.ts';
import { PolicyEngine } from './engine.ts';

const POLICY_FILE = /\.(?:ya?ml|json)$/;
const CASES_FILE = /\.test\.(?:ya?ml|json)$/;

/** Policy files of a directory: every *.yaml, *.yml and *.json except *.test.* case tables. */
export async function policyFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && POLICY_FILE.test(e.name) && !CASES_FILE.test(e.name))
    .map((e) => join(dir, e.name))
    .sort();
}

/** Case tables (`*.test.yaml`, `*.test.yml`, `*.test.json`) of a directory. */
export async function caseFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && CASES_FILE.test(e.name))
    .map((e) => join(dir, e.name))
    .sort();
}

/**
 * Parses documents given as `{ name, source }`; every document's problems are collected, then
 * thrown together as one PolicyError.
 */
export function parsePolicyDocuments(
  sources: readonly { readonly name: string; readonly source: string }[],
): PolicyDocument[] {
  const docs: PolicyDocument[] = [];
  const issues: PolicyIssue[] = [];
  for (const { name, source } of sources) {
    try {
      docs.push(parsePolicyDocument(source, name));
    } catch (error) {
      if (!(error instanceof PolicyError)) throw error;
      issues.push(...error.issues);
    }
  }
  if (issues.length > 0) throw new PolicyError(issues);
  return docs;
}

/** Reads and parses every policy document of `dir`. Throws PolicyError on any problem. */
export async function loadPolicyDocuments(dir: string): Promise<PolicyDocument[]> {
  const sources = [];
  for (const file of await policyFiles(dir))
    sources.push({ name: file, source: await readFile(file, 'utf8') });
  return parsePolicyDocuments(sources);
}

/** Loads and compiles every policy document of `dir`. Throws PolicyError on any problem. */
export async function loadPolicyDir(dir: string): Promise<PolicyEngine> {
  return PolicyEngine.fromDocuments(await loadPolicyDocuments(dir));
}
