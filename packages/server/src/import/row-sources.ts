import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import { csvRecordToRow } from './csv-row.ts';
import type { RawRow } from './import-row.ts';

/** One JSON object a line; blank lines are skipped, a line that is not JSON is a row in error. */
export async function* jsonLinesRows(path: string, afterLine = 0): AsyncGenerator<RawRow> {
  const lines = createInterface({
    input: createReadStream(path, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let line = 0;
  for await (const text of lines) {
    line += 1;
    if (line <= afterLine || text.trim() === '') continue;
    yield parseJsonLine(text, line);
  }
}

export function parseJsonLine(text: string, line: number): RawRow {
  try {
    return { line, value: JSON.parse(text) as unknown };
  } catch {
    return { line, error: 'The line is not valid JSON.' };
  }
}

/**
 * CSV with a header line (RFC 4180 quoting, a UTF-8 BOM allowed). A row's number is the line it
 * ends on, so that resuming after it is exact even when a quoted cell spans lines.
 */
export async function* csvRows(path: string, afterLine = 0): AsyncGenerator<RawRow> {
  const parser = createReadStream(path).pipe(
    parse({ bom: true, columns: true, info: true, skip_empty_lines: true, relax_column_count: false }),
  );
  for await (const { record, info } of parser as AsyncIterable<{
    record: Record<string, string>;
    info: { lines: number };
  }>) {
    if (info.lines <= afterLine) continue;
    const row = csvRecordToRow(record);
    if (typeof row !== 'string') yield { line: info.lines, value: row };
    else if (record.email) yield { line: info.lines, error: row, email: record.email.slice(0, 320) };
    else yield { line: info.lines, error: row };
  }
}

/** The header of a CSV file, for checking its columns before anything is imported. */
export async function csvHeader(path: string): Promise<string[]> {
  const parser = createReadStream(path).pipe(parse({ bom: true, to_line: 1 }));
  for await (const header of parser as AsyncIterable<string[]>) return header;
  return [];
}
