/** Rows rewritten all the time by design: each aggregator's heartbeat (health_beacon), never equal between DCs for long. */
const VOLATILE_TABLES = new Set(['health_beacon']);

/**
 * Every table of the shop's schema in every DC's database (but the volatile ones), by its rows' content: per table the row
 * count and an order-free hash of every row (all columns). CHECKSUM TABLE is not used: it differed
 * between DCs for identical rows now and then (category, whose rows and definition were the same).
 * One line per table whose rows differ somewhere (or that a DC lacks), naming the table and what
 * each DC has; [] when all are equal.
 */
export async function differingTables<D extends string>(dcs: D[], query: (dc: D, sql: string) => Promise<unknown[]>): Promise<string[]> {
  const columnsIn = async (dc: D) => new Map(Object.entries((await query(dc, `SELECT table_name AS t, GROUP_CONCAT(column_name ORDER BY ordinal_position) AS c
    FROM information_schema.columns WHERE table_schema = DATABASE() GROUP BY table_name`) as { t: string; c: string }[])
    .reduce((m, r) => ({ ...m, [r.t]: r.c }), {} as Record<string, string>)));
  const columns = await Promise.all(dcs.map(columnsIn));
  const names = [...new Set(columns.flatMap((m) => [...m.keys()]))].filter((t) => !VOLATILE_TABLES.has(t)).sort();
  const contentOf = async (dc: D, i: number, table: string) => {
    const cols = columns[i]?.get(table);
    if (!cols) return 'missing';
    const row = `MD5(CONCAT_WS(',', ${cols.split(',').map((c) => `IFNULL(QUOTE(\`${c}\`), 'NULL')`).join(', ')}))`;
    const [r] = await query(dc, `SELECT COUNT(*) AS n, BIT_XOR(CAST(CONV(LEFT(${row}, 16), 16, 10) AS UNSIGNED)) AS h FROM \`${table}\``) as { n: number; h: string }[];
    if (!r) return 'no answer';
    return `${cols === columns[0]?.get(table) ? '' : `columns ${cols} `}${r.n} rows #${r.h}`;
  };
  const contents = await Promise.all(dcs.map((dc, i) => Promise.all(names.map((t) => contentOf(dc, i, t)))));
  return names.filter((_, k) => new Set(contents.map((c) => c[k])).size > 1)
    .map((t) => `${t}: ${dcs.map((dc, i) => `${dc} ${contents[i]?.[names.indexOf(t)]}`).join(', ')}`);
}
