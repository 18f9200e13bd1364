/**
 * A CSV file carries the same fields as a JSON Lines one, flattened: one column per field, an
 * empty cell for none. `roles` is space-separated; `email_verified` and `disabled` are
 * true/false (or t/f, 1/0: what `psql --csv` and spreadsheets write); a hash that is not one self-describing string is spread over
 * `password_algorithm`, `password_hash`, `password_salt` and `password_iterations` (Keycloak's
 * pbkdf2-sha256, Firebase's scrypt); the profile's address is `address_*` columns.
 */
export const CSV_PASSWORD_COLUMNS: readonly string[] = [
  'password_hash',
  'password_algorithm',
  'password_salt',
  'password_iterations',
];
const ADDRESS_PREFIX = 'address_';

export function csvRecordToRow(record: Record<string, string>): Record<string, unknown> | string {
  const row: Record<string, unknown> = {};
  const address: Record<string, string> = {};
  for (const [column, cell] of Object.entries(record)) {
    if (cell === '' || CSV_PASSWORD_COLUMNS.includes(column)) continue;
    if (column === 'roles') row.roles = cell.split(/\s+/).filter(Boolean);
    else if (column === 'email_verified' || column === 'disabled' || column === 'phone_number_verified') {
      const flag = /^(?:true|t|1)$/i.test(cell) ? true : /^(?:false|f|0)$/i.test(cell) ? false : undefined;
      if (flag === undefined) return `${column} must be true or false.`;
      row[column] = flag;
    } else if (column.startsWith(ADDRESS_PREFIX)) address[column.slice(ADDRESS_PREFIX.length)] = cell;
    else row[column] = cell;
  }
  if (Object.keys(address).length > 0) row.address = address;
  const hash = record.password_hash ?? '';
  const algorithm = record.password_algorithm ?? '';
  if (algorithm === '') {
    if (hash !== '') row.password_hash = hash;
  } else if (algorithm === 'firebase-scrypt') {
    row.password_hash = { algorithm, hash, salt: record.password_salt ?? '' };
  } else {
    const iterations = record.password_iterations ?? '';
    row.password_hash = {
      algorithm,
      value: hash,
      salt: record.password_salt ?? '',
      hashIterations: /^\d{1,10}$/.test(iterations) ? Number(iterations) : iterations,
    };
  }
  return row;
}
