/** Exit codes scripts can rely on. */
export const ExitCode = { ok: 0, failure: 1, usage: 2, notFound: 3, conflict: 4, unreachable: 5 } as const;

export function print(json: boolean, value: unknown, human: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${human()}\n`);
}

/** Reports a failed command. Its modules load only now, so that the command tree stays light. */
export async function fail(error: unknown): Promise<never> {
  const [{ isGatehouseError, PolicyError }, { ConfigError }, { StoreUnreachableError }] = await Promise.all([
    import('@gatehouse/core'),
    import('../config.ts'),
    import('../stores/store-unreachable.ts'),
  ]);
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(ExitCode.usage);
  }
  if (error instanceof StoreUnreachableError) {
    // The address, never the credentials: see storeAddress.
    process.stderr.write(`error: ${error.message}\n`);
    process.exit(ExitCode.unreachable);
  }
  if (error instanceof PolicyError) {
    // Every located issue (file:line:column: rule: message), one per line.
    process.stderr.write(`${error.message}\n`);
    process.exit(ExitCode.usage);
  }
  const fileError = (error as NodeJS.ErrnoException | null)?.code;
  if (fileError === 'ENOENT' || fileError === 'EACCES' || fileError === 'EISDIR') {
    // A file named on the command line that cannot be read: the caller's mistake, said plainly.
    const path = (error as NodeJS.ErrnoException).path ?? 'the file';
    process.stderr.write(`error: cannot read ${path} (${fileError})\n`);
    process.exit(ExitCode.usage);
  }
  if (isGatehouseError(error)) {
    process.stderr.write(`error: ${error.detail ?? error.title}\n`);
    if (error.code === 'not_found') process.exit(ExitCode.notFound);
    if (error.code === 'conflict') process.exit(ExitCode.conflict);
    if (error.status < 500) process.exit(ExitCode.usage);
  } else {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(ExitCode.failure);
}

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Asks a yes/no question on the terminal; false without one (scripts must say --yes). */
export async function confirmed(question: string): Promise<boolean> {
  if (process.stdin.isTTY !== true || process.stderr.isTTY !== true) return false;
  const { createInterface } = await import('node:readline/promises');
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await prompt.question(`${question} [y/N] `)).trim());
  } finally {
    prompt.close();
  }
}
