import { differingTables } from '../db/table-digest';
import type { StatusReport } from '../runtime/status-report';
import { OperationRecord } from './history';

/** What the checker reads: every DC's database. */
export interface CheckedDatabases {
  dcs: string[];
  query<T = Record<string, unknown>>(dc: string, sql: string, params?: unknown[]): Promise<T[]>;
}

export interface Violation {
  check: 'orders' | 'idempotency' | 'sessions' | 'carts' | 'stock' | 'databases' | 'replication' | 'homes';
  message: string;
  /** the operations of the history that show it */
  operations?: OperationRecord[];
}

/** Per variant: units in allocations + in transit + sold (orders not cancelled) + held for orders that are not (yet) there. */
export type StockCensus = Map<string, number>;

export interface Verdict {
  violations: Violation[];
  ordersConfirmed: number;
  /** confirmed orders found on every DC, as confirmed */
  ordersPresent: number;
  keysChecked: number;
  accountsChecked: number;
  variantsChecked: number;
}

const chunks = <T>(xs: T[], n = 500): T[][] => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));

/** The stock of every variant as one DC's database counts it (see StockCensus). */
export async function stockCensus(db: CheckedDatabases, dc: string): Promise<StockCensus> {
  const census: StockCensus = new Map();
  const add = (v: string, n: number) => census.set(v, (census.get(v) ?? 0) + Number(n));
  for (const r of await db.query<{ v: string; n: string }>(dc, 'SELECT variant_id AS v, SUM(available) AS n FROM stock_allocation GROUP BY variant_id')) add(r.v, Number(r.n));
  for (const r of await db.query<{ v: string; n: string }>(dc, `SELECT t.variant_id AS v, SUM(t.units) AS n FROM stock_transfer t
    LEFT JOIN stock_transfer_receipt r ON r.transfer_id = t.id WHERE r.transfer_id IS NULL GROUP BY t.variant_id`)) add(r.v, Number(r.n));
  for (const r of await db.query<{ v: string; n: string }>(dc, `SELECT l.variant_id AS v, SUM(l.quantity) AS n FROM order_line l
    JOIN orders o ON o.id = l.order_id WHERE o.status <> 'cancelled' GROUP BY l.variant_id`)) add(r.v, Number(r.n));
  const held = await db.query<{ lines: string | { v: string; q: number }[] }>(dc, `SELECT r.\`lines\` AS \`lines\` FROM stock_reservation r
    LEFT JOIN orders o ON o.id = r.order_id WHERE r.status = 'held' AND (o.id IS NULL OR o.status = 'cancelled')`);
  for (const r of held) for (const l of typeof r.lines === 'string' ? JSON.parse(r.lines) as { v: string; q: number }[] : r.lines) add(l.v, l.q);
  return census;
}

/**
 * The drill's verdict once everything is healed, failed back and quiet: every order a shopper was told
 * succeeded is on every DC's database once, as confirmed; no Idempotency-Key made two orders; no
 * shopper was logged out or lost a cart line it was told was added; every variant's stock is what it
 * was at the start (nothing oversold, nothing made); every DC's database holds the same rows and
 * every channel runs without error; no account had two homes in one epoch.
 */
export async function check(history: OperationRecord[], db: CheckedDatabases, stockAtStart: StockCensus, status: StatusReport): Promise<Verdict> {
  const violations: Violation[] = [];
  const confirmed = history.filter((r) => r.op === 'checkout' && r.order);
  const wrong = new Set<string>();

  // orders: on every DC, with the lines and total they were confirmed with
  for (const dc of db.dcs) {
    const found = new Map<string, { total: number; lines: string }>();
    for (const ids of chunks(confirmed.map((r) => r.order!.id))) {
      const rows = await db.query<{ id: string; total: string; lines: string }>(dc, `SELECT o.id, o.total,
        GROUP_CONCAT(CONCAT(l.variant_id, 'x', l.quantity, '=', l.line_total) ORDER BY l.variant_id, l.quantity) AS \`lines\`
        FROM orders o LEFT JOIN order_line l ON l.order_id = o.id WHERE o.id IN (?) GROUP BY o.id, o.total`, [ids]);
      for (const r of rows) found.set(r.id, { total: Number(r.total), lines: r.lines ?? '' });
    }
    for (const r of confirmed) {
      const o = r.order!;
      const want = o.lines.map((l) => `${l.variantId}x${l.quantity}=${l.lineTotal}`).sort().join(',');
      const got = found.get(o.id);
      if (!got) {
        wrong.add(o.id);
        violations.push({ check: 'orders', message: `order ${o.number} (${o.id}, key ${r.key}) confirmed to ${r.shopper} is missing at DC ${dc}`, operations: [r] });
      } else if (got.total !== o.total || got.lines !== want) {
        wrong.add(o.id);
        violations.push({ check: 'orders', message: `order ${o.number} at DC ${dc} differs from its confirmation: total ${got.total} lines ${got.lines}, confirmed ${o.total} ${want}`,
          operations: [r] });
      }
    }
  }

  // one order per Idempotency-Key, and the one confirmed
  const keys = [...new Set(history.filter((r) => r.op === 'checkout' && r.key).map((r) => r.key!))];
  const confirmedBy = new Map(confirmed.map((r) => [r.key!, r]));
  for (const dc of db.dcs) {
    for (const part of chunks(keys)) {
      const rows = await db.query<{ k: string; orders: string; n: string }>(dc, `SELECT idem_key AS k, GROUP_CONCAT(DISTINCT order_id) AS orders,
        COUNT(DISTINCT order_id) AS n FROM idempotency_key WHERE idem_key IN (?) GROUP BY idem_key`, [part]);
      for (const r of rows) {
        const ids = (r.orders ?? '').split(',').filter(Boolean);
        const c = confirmedBy.get(r.k);
        if (Number(r.n) > 1) {
          violations.push({ check: 'idempotency', message: `key ${r.k} made ${r.n} orders at DC ${dc}: ${ids.join(', ')}`,
            operations: history.filter((h) => h.key === r.k) });
        } else if (c && ids[0] !== c.order!.id) {
          violations.push({ check: 'idempotency', message: `key ${r.k} names order ${ids[0]} at DC ${dc}, the shopper was confirmed ${c.order!.id}`, operations: [c] });
        }
      }
    }
  }

  // what shoppers saw of their sessions and carts
  for (const r of history.filter((h) => h.outcome === 'logged-out')) {
    violations.push({ check: 'sessions', message: `${r.shopper} (account ${r.account}) was logged out at DC ${r.dc ?? '?'}: ${r.detail}`, operations: [r] });
  }
  for (const r of history.filter((h) => h.outcome === 'line-lost')) {
    // the shopper's own conclusion: a line it was told was added, missing and never back (checked out without it, or still gone at the end)
    const seen = history.filter((h) => h.shopper === r.shopper && h.outcome === 'line-missing' && h.t <= r.t).slice(-3);
    violations.push({ check: 'carts', message: `${r.shopper}'s cart${r.dc ? ` at DC ${r.dc}` : ''} lost lines it was told were added: ${r.detail}`, operations: [...seen, r] });
  }

  // stock: what it was at the start, on every DC; nothing oversold
  let variants = 0;
  for (const dc of db.dcs) {
    const now = await stockCensus(db, dc);
    const all = new Set([...stockAtStart.keys(), ...now.keys()]);
    variants = all.size;
    const off = [...all].filter((v) => (now.get(v) ?? 0) !== (stockAtStart.get(v) ?? 0));
    if (off.length) {
      violations.push({ check: 'stock', message: `at DC ${dc}, ${off.length} variants' units differ from the start (allocation + in transit + sold): `
        + off.slice(0, 10).map((v) => `${v} ${stockAtStart.get(v) ?? 0} -> ${now.get(v) ?? 0}`).join(', ') });
    }
    const oversold = await db.query<{ order_id: string; actor: string }>(dc, `SELECT order_id, actor FROM order_event WHERE actor LIKE '%oversold%'`);
    for (const o of oversold) violations.push({ check: 'stock', message: `order ${o.order_id} was oversold at DC ${dc} (${o.actor})` });
  }

  // every DC's database the same, every channel running without error
  for (const line of await differingTables(db.dcs, (dc, sql) => db.query(dc, sql))) violations.push({ check: 'databases', message: line });
  for (const d of status.dcs) {
    if (!Array.isArray(d.channels)) {
      violations.push({ check: 'replication', message: `DC ${d.dc}'s channels cannot be read: ${d.channels.error}` });
      continue;
    }
    for (const c of d.channels.filter((x) => x.io !== 'Yes' || !x.sql || x.error)) {
      violations.push({ check: 'replication', message: `DC ${d.dc}'s channel from ${c.from}: io ${c.io}, applier ${c.sql ? 'running' : 'stopped'}${c.error ? `, ${c.error}` : ''}` });
    }
  }

  // one home per account per epoch, as the shop answered log-ins
  const homes = new Map<string, OperationRecord[]>();
  for (const r of history.filter((h) => h.home && h.account)) {
    const k = `${r.account} epoch ${r.home!.epoch}`;
    const rs = homes.get(k);
    if (rs) rs.push(r);
    else homes.set(k, [r]);
  }
  for (const [k, rs] of homes) {
    const dcs = new Set(rs.map((r) => r.home!.dc));
    if (dcs.size > 1) violations.push({ check: 'homes', message: `account ${k} had the homes ${[...dcs].join(' and ')}`, operations: rs });
  }
  return { violations, ordersConfirmed: confirmed.length, ordersPresent: confirmed.length - wrong.size, keysChecked: keys.length,
    accountsChecked: new Set(history.filter((h) => h.account).map((h) => h.account)).size, variantsChecked: variants };
}
