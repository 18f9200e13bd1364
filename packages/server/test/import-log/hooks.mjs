import { appendFileSync } from 'node:fs';

/** Module hooks that write every resolved module URL to the file named by IMPORT_LOG. */
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (process.env.IMPORT_LOG) appendFileSync(process.env.IMPORT_LOG, `${result.url}\n`);
  return result;
}
