import { Injectable } from '@nestjs/common';
import { BatchResult, rowsOf, Sql, Statement } from '../database/sql';
import { isSignal } from '../database/sql-errors';
import { earliestFirst } from '../database/earliest';

export const SHORT_STOCK_SIGNAL = 'meridian:short_stock';
export const isShortStock = (err: unknown): boolean => isSignal(err, SHORT_STOCK_SIGNAL);

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

/** the receipt's time from the result of `receiptOf`; null: not received */
export const receivedAtOf = (r: BatchResult): Date | null => rowsOf<{ received_at: Date }>(r)[0]?.received_at ?? null;

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
 * The SQL of stock transfers. Sending runs at the source DC's database, receiving at the
 * destination's; each is one compound statement, so one round trip whatever the distance.
 */
@Injectable()
export class StockRepository {
  /**
   * Takes the units off the source DC's allocation (a guarded decrement: never below zero) and
   * writes the transfer row; SIGNALs SHORT_STOCK_SIGNAL when the allocation has too few units.
   * With an Idempotency-Key, nothing happens when this source already made a transfer for it
   * (`byKey` then finds that one; two at once: the second fails on the unique key).
   */
  send(t: Transfer, key?: string): Statement {
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
  byKey(from: string, key: string): Statement {
    return { sql: `SELECT ${TRANSFER_COLUMNS}, NULL AS received_at FROM stock_transfer t WHERE t.from_dc = ? AND t.idem_key = ?`, params: [from, key] };
  }

  /**
   * Adds the units to the destination DC's allocation (its row is made when missing), once: the
   * receipt row's key is the transfer's id, and a second receipt adds nothing. With `afterGtid`
   * (the source's commit) nothing happens unless this database has applied it within
   * `waitSeconds`: the destination never receives before the units left the source (a third DC
   * may apply the two out of order: see `stockOf`).
   */
  receive(t: Transfer, allocationId: string, afterGtid?: { gtid: string; waitSeconds: number }): Statement {
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

  receiptOf(transferId: string): Statement {
    return { sql: 'SELECT received_at FROM stock_transfer_receipt WHERE transfer_id = ?', params: [transferId] };
  }

  async findTransfer(db: Sql, id: string): Promise<TransferRow | undefined> {
    const [row] = await db.query<TransferRow>(
      `SELECT ${TRANSFER_COLUMNS}, r.received_at FROM stock_transfer t LEFT JOIN stock_transfer_receipt r ON r.transfer_id = t.id WHERE t.id = ?`, [id]);
    return row;
  }

  async receivedAt(db: Sql, transferId: string): Promise<Date | null> {
    return receivedAtOf((await db.batch([this.receiptOf(transferId)]))[0]);
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
  async stockOf(db: Sql, variantId: string): Promise<{ allocations: { dc: string; available: number }[]; inTransit: TransferRow[]; receivedAhead: EarlyReceiptRow[] }> {
    const [allocations, inTransit, ahead] = await db.batch([
      { sql: 'SELECT dc, available FROM stock_allocation WHERE variant_id = ? ORDER BY dc', params: [variantId] },
      { sql: `${UNRECEIVED} AND t.variant_id = ? ORDER BY t.created_at`, params: [variantId] },
      { sql: `SELECT r.transfer_id, r.from_dc, r.dc, r.units, r.received_at FROM stock_transfer_receipt r
              LEFT JOIN stock_transfer t ON t.id = r.transfer_id WHERE r.variant_id = ? AND t.id IS NULL ORDER BY r.received_at`, params: [variantId] },
    ]);
    return {
      allocations: rowsOf<{ dc: string; available: number }>(allocations).map((a) => ({ dc: a.dc, available: Number(a.available) })),
      inTransit: rowsOf<TransferRow>(inTransit),
      receivedAhead: rowsOf<EarlyReceiptRow>(ahead),
    };
  }

  async variantIdOf(db: Sql, idOrSku: { id?: string; sku?: string }): Promise<string | undefined> {
    const [row] = idOrSku.id
      ? await db.query<{ id: string }>('SELECT id FROM variant WHERE id = ?', [idOrSku.id])
      : await db.query<{ id: string }>(`SELECT id FROM variant WHERE sku = ? ORDER BY ${earliestFirst()} LIMIT 1`, [idOrSku.sku]);
    return row?.id;
  }
}
