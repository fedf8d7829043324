/**
 * ORDER BY of rows sharing a natural key that is unique per owning DC only (a slug, a SKU, a
 * code, an e-mail): the earliest row (smallest ULID after the DC prefix) first, the same in every DC.
 */
export const earliestFirst = (alias?: string): string => {
  const id = alias ? `${alias}.id` : 'id';
  return `SUBSTRING_INDEX(${id}, '_', -1), ${id}`;
};

/**
 * SQL condition: no earlier row of `table` (see earliestFirst) has the natural key `column` of
 * row `alias`, i.e. the row is the one that wins; `extra` narrows the rows that compete.
 */
export const isEarliest = (table: string, alias: string, column: string, extra = ''): string =>
  `NOT EXISTS (SELECT 1 FROM ${table} e_${alias} WHERE e_${alias}.${column} = ${alias}.${column}${extra ? ` AND ${extra}` : ''}
    AND (SUBSTRING_INDEX(e_${alias}.id, '_', -1), e_${alias}.id) < (SUBSTRING_INDEX(${alias}.id, '_', -1), ${alias}.id))`;

/** The earliest of rows that share a natural key (see earliestFirst); `idOf` gives a row's id. */
export function earliestPer<T>(rows: T[], keyOf: (row: T) => string, idOf: (row: T) => string): T[] {
  const ulid = (row: T) => idOf(row).slice(idOf(row).indexOf('_') + 1);
  const sorted = [...rows].sort((x, y) => (ulid(x) < ulid(y) ? -1 : ulid(x) > ulid(y) ? 1 : idOf(x) < idOf(y) ? -1 : 1));
  const seen = new Set<string>();
  const kept = new Set(sorted.filter((r) => !seen.has(keyOf(r)) && seen.add(keyOf(r))));
  return rows.filter((r) => kept.has(r));
}
