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

/** Loads and compiles every policy document of `dir`. Throws PolicyError on any problem. */
export async function loadPolicyDir(dir: string): Promise<PolicyEngine> {
  const docs: PolicyDocument[] = [];
  const issues: PolicyIssue[] = [];
  for (const file of await policyFiles(dir)) {
    try {
      docs.push(parsePolicyDocument(await readFile(file, 'utf8'), file));
    } catch (error) {
      if (!(error instanceof PolicyError)) throw error;
      issues.push(...error.issues);
    }
  }
  if (issues.length > 0) throw new PolicyError(issues);
  return PolicyEngine.fromDocuments(docs);
}
