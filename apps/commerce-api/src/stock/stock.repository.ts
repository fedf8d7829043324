import { Injectable } from '@nestjs/common';
import { Batch, exec, failingAs, mapStep, row, rows, Step } from '../database/batch';
import { Sql } from '../database/sql';
import { isDuplicateKey, isSignal } from '../database/sql-errors';
import { earliestFirst } from '../database/earliest';

export const SHORT_STOCK_SIGNAL = 'meridian:short_stock';

/** The source DC's allocation has fewer units than the transfer moves (nothing moved). */
export class TransferShortError extends Error {
  constructor(readonly transferId: string) {
    super(`not enough stock for transfer ${transferId}`);
  }
}

/** The source made a transfer for this Idempotency-Key at the same moment (the unique key refused the second). */
export class TransferKeyTakenError extends Error {
  constructor(readonly key: string) {
    super(`a transfer for Idempotency-Key ${key} is being made`);
  }
}

export interface TransferRow {
  id: string;
  variant_id: string;
  from_dc: string;
  to_dc: string;
  units: number;
  requested_by: string;
  created_at: Date;
  received_at: Date | null;
}

/** A receipt this database has applied before the transfer it completes: units counted at the destination, not yet off the source. */
export interface EarlyReceiptRow {
  transfer_id: string;
  from_dc: string;
  dc: string;
  units: number;
  received_at: Date;
}

export interface Transfer {
  id: string;
  variantId: string;
  from: string;
  to: string;
  units: number;
  requestedBy: string;
}

const TRANSFER_COLUMNS = 't.id, t.variant_id, t.from_dc, t.to_dc, t.units, t.requested_by, t.created_at';
/** transfers this database has no receipt for: in transit, as far as it knows */
const UNRECEIVED = `SELECT ${TRANSFER_COLUMNS}, NULL AS received_at FROM stock_transfer t
  LEFT JOIN stock_transfer_receipt r ON r.transfer_id = t.id WHERE r.transfer_id IS NULL`;

/**
 * Stock allocations (one row per SKU per DC) and the transfers between them. Sending runs at the
 * source DC's database, receiving at the destination's; each is one compound statement, so one
 * round trip whatever the distance.
 */
@Injectable()
export class StockRepository {
  /**
   * Takes the units off the source DC's allocation (a guarded decrement: never below zero) and
   * writes the transfer row; fails with TransferShortError when the allocation has too few units.
   * With an Idempotency-Key, nothing happens when this source already made a transfer for it
   * (`byKey` then finds that one; two at once: the second fails with TransferKeyTakenError).
   */
  send(t: Transfer, key?: string): Step<void> {
    const failure = (err: unknown) => {
      if (isSignal(err, SHORT_STOCK_SIGNAL)) return new TransferShortError(t.id);
      return key !== undefined && isDuplicateKey(err, 'uq_stock_transfer_key') ? new TransferKeyTakenError(key) : undefined;
    };
    return failingAs(exec(this.sendStatement(t, key)), failure);
  }

  private sendStatement(t: Transfer, key?: string): { sql: string; params: unknown[] } {
    const move = `UPDATE stock_allocation SET available = available - ? WHERE variant_id = ? AND dc = ? AND available >= ?;
              IF ROW_COUNT() = 0 THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '${SHORT_STOCK_SIGNAL}'; END IF;
              INSERT INTO stock_transfer (id, variant_id, from_dc, to_dc, units, requested_by, idem_key) VALUES (?, ?, ?, ?, ?, ?, ?);`;
    const params = [t.units, t.variantId, t.from, t.units, t.id, t.variantId, t.from, t.to, t.units, t.requestedBy, key ?? null];
    if (key === undefined) return { sql: `BEGIN NOT ATOMIC ${move} END`, params };
    return {
      sql: `BEGIN NOT ATOMIC IF NOT EXISTS (SELECT 1 FROM stock_transfer WHERE from_dc = ? AND idem_key = ?) THEN ${move} END IF; END`,
      params: [t.from, key, ...params],
    };
  }

  /** The transfer a source DC's database made for an Idempotency-Key. */
  byKey(from: string, key: string): Step<TransferRow | undefined> {
    return row<TransferRow>(`SELECT ${TRANSFER_COLUMNS}, NULL AS received_at FROM stock_transfer t WHERE t.from_dc = ? AND t.idem_key = ?`, [from, key]);
  }

  /**
   * Adds the units to the destination DC's allocation (its row is made when missing), once: the
   * receipt row's key is the transfer's id, and a second receipt adds nothing. With `afterGtid`
   * (the source's commit) nothing happens unless this database has applied it within
   * `waitSeconds`: the destination never receives before the units left the source (a third DC
   * may apply the two out of order: see `stockOf`).
   */
  receive(t: Transfer, allocationId: string, afterGtid?: { gtid: string; waitSeconds: number }): Step<void> {
    return exec(this.receiveStatement(t, allocationId, afterGtid));
  }

  private receiveStatement(t: Transfer, allocationId: string, afterGtid?: { gtid: string; waitSeconds: number }): { sql: string; params: unknown[] } {
    const receipt = `INSERT IGNORE INTO stock_transfer_receipt (transfer_id, dc, variant_id, from_dc, units) VALUES (?, ?, ?, ?, ?);
              IF ROW_COUNT() = 1 THEN
                INSERT INTO stock_allocation (id, variant_id, dc, available) VALUES (?, ?, ?, ?)
                  ON DUPLICATE KEY UPDATE available = available + VALUES(available);
              END IF;`;
    const params = [t.id, t.to, t.variantId, t.from, t.units, allocationId, t.variantId, t.to, t.units];
    if (!afterGtid) return { sql: `BEGIN NOT ATOMIC ${receipt} END`, params };
    return {
      sql: `BEGIN NOT ATOMIC IF MASTER_GTID_WAIT(?, ?) = 0 THEN ${receipt} END IF; END`,
      params: [afterGtid.gtid, afterGtid.waitSeconds, ...params],
    };
  }

  /** When the transfer was received (null: not yet, as this database knows). */
  receiptOf(transferId: string): Step<Date | null> {
    return mapStep(row<{ received_at: Date }>('SELECT received_at FROM stock_transfer_receipt WHERE transfer_id = ?', [transferId]),
      (r) => r?.received_at ?? null);
  }

  async findTransfer(db: Sql, id: string): Promise<TransferRow | undefined> {
    const [row] = await db.query<TransferRow>(
      `SELECT ${TRANSFER_COLUMNS}, r.received_at FROM stock_transfer t LEFT JOIN stock_transfer_receipt r ON r.transfer_id = t.id WHERE t.id = ?`, [id]);
    return row;
  }

  async receivedAt(db: Sql, transferId: string): Promise<Date | null> {
    return db.run(this.receiptOf(transferId));
  }

  /** Transfers to `dc` that this database has (so their source's commit too) and no receipt for yet. */
  findUnreceived(db: Sql, dc: string, limit: number): Promise<TransferRow[]> {
    return db.query<TransferRow>(`${UNRECEIVED} AND t.to_dc = ? ORDER BY t.created_at LIMIT ?`, [dc, limit]);
  }

  async available(db: Sql, variantId: string, dc: string): Promise<number> {
    const [row] = await db.query<{ available: number }>('SELECT available FROM stock_allocation WHERE variant_id = ? AND dc = ?', [variantId, dc]);
    return Number(row?.available ?? 0);
  }

  /**
   * One variant's allocations, its transfers without a receipt, and its receipts without their
   * transfer (applied here ahead of it), as this database sees them, in one round trip.
   */
  async stockOf(db: Sql, variantId: string):
  Promise<{ allocations: { dc: string; available: number }[]; inTransit: TransferRow[]; receivedAhead: EarlyReceiptRow[] }> {
    const b = new Batch();
    const allocations = b.add(rows<{ dc: string; available: number }>('SELECT dc, available FROM stock_allocation WHERE variant_id = ? ORDER BY dc', [variantId]));
    const inTransit = b.add(rows<TransferRow>(`${UNRECEIVED} AND t.variant_id = ? ORDER BY t.created_at`, [variantId]));
    const ahead = b.add(rows<EarlyReceiptRow>(`SELECT r.transfer_id, r.from_dc, r.dc, r.units, r.received_at FROM stock_transfer_receipt r
      LEFT JOIN stock_transfer t ON t.id = r.transfer_id WHERE r.variant_id = ? AND t.id IS NULL ORDER BY r.received_at`, [variantId]));
    await db.batch(b);
    return {
      allocations: allocations.value.map((a) => ({ dc: a.dc, available: Number(a.available) })),
      inTransit: inTransit.value,
      receivedAhead: ahead.value,
    };
  }

  /** A SKU's variant and this DC's units of it, in one read (no variant: null, 0). */
  async availabilityOfSku(db: Sql, sku: string, dc: string): Promise<{ variantId: string | null; available: number }> {
    const [row] = await db.query<{ id: string; available: number | null }>(`SELECT v.id, s.available FROM variant v
      LEFT JOIN stock_allocation s ON s.variant_id = v.id AND s.dc = ? WHERE v.sku = ? ORDER BY ${earliestFirst('v')} LIMIT 1`, [dc, sku]);
    return { variantId: row?.id ?? null, available: Number(row?.available ?? 0) };
  }

  /** Some active variant's SKU (the first made), or undefined in an empty catalog. */
  async anySku(db: Sql): Promise<string | undefined> {
    const [row] = await db.query<{ sku: string }>('SELECT sku FROM variant WHERE active = 1 ORDER BY id LIMIT 1');
    return row?.sku;
  }

  async variantIdOf(db: Sql, idOrSku: { id?: string; sku?: string }): Promise<string | undefined> {
    const [row] = idOrSku.id
      ? await db.query<{ id: string }>('SELECT id FROM variant WHERE id = ?', [idOrSku.id])
      : await db.query<{ id: string }>(`SELECT id FROM variant WHERE sku = ? ORDER BY ${earliestFirst()} LIMIT 1`, [idOrSku.sku]);
    return row?.id;
  }

  /** A DC's allocation of a variant, locked until the transaction ends (0 when it has no row yet). */
  async lockAllocation(tx: Sql, variantId: string, dc: string): Promise<number> {
    const [row] = await tx.query<{ available: number }>('SELECT available FROM stock_allocation WHERE variant_id = ? AND dc = ? FOR UPDATE', [variantId, dc]);
    return row ? Number(row.available) : 0;
  }

  /** Sets a DC's allocation of several variants (rows made on first use). */
  async setAllocations(db: Sql, rows: { id: string; variantId: string; dc: string; available: number }[]): Promise<void> {
    if (rows.length === 0) return;
    await db.execute(
      `INSERT INTO stock_allocation (id, variant_id, dc, available) VALUES ${rows.map(() => '(?, ?, ?, ?)').join(', ')}
       ON DUPLICATE KEY UPDATE available = VALUES(available)`,
      rows.flatMap((r) => [r.id, r.variantId, r.dc, r.available]));
  }
}
