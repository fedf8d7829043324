import { Injectable } from '@nestjs/common';
import { exec, failingAs, mapStep, row, Step } from '../database/batch';
import { Sql } from '../database/sql';
import { isSignal } from '../database/sql-errors';

/** The message of the SIGNAL that aborts a checkout batch short of stock. */
export const OUT_OF_STOCK_SIGNAL = 'meridian:out_of_stock';

/** A checkout's batch was refused: this DC's allocation cannot cover every line (nothing was taken). */
export class StockShortError extends Error {
  constructor() {
    super('not enough stock for every line');
  }
}

/** A line as the stock sees it: variant id and units (JSON keys kept short: it travels in SQL text). */
export interface StockLine {
  v: string;
  q: number;
}

export interface ShortLine {
  variant_id: string;
  sku: string;
  requested: number;
  available: number;
}

/** `lines` (a JSON parameter) as a table: v, q and the line's position n. */
const LINES_TABLE = `JSON_TABLE(?, '$[*]' COLUMNS (n FOR ORDINALITY,
  v VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin PATH '$.v', q INT PATH '$.q'))`;

/**
 * The units a checkout holds in a DC's allocation for its order (stock_reservation), and their way
 * back. Runs on that DC's own database: it owns its allocation rows. A reservation is settled by
 * its order, so some reads join the orders table.
 */
@Injectable()
export class StockReservationsRepository {
  /**
   * Takes the units of `lines` from DC `dc`'s allocation, each row only when enough is left, and
   * records them as the order's reservation; the batch fails with StockShortError unless every
   * line got its units. The reservation names the cart (while its outcome is unknown, no DC adopts
   * that cart) and the DC the order goes to (`ownerDc`: the one whose answer settles it).
   */
  reserve(r: { id: string; orderId: string; dc: string; lines: StockLine[]; cartId: string; ownerDc: string }): Step<void> {
    const json = JSON.stringify(r.lines);
    return failingAs(exec(
      { sql: `UPDATE stock_allocation s JOIN ${LINES_TABLE} j ON j.v = s.variant_id
              SET s.available = s.available - j.q WHERE s.dc = ? AND s.available >= j.q`, params: [json, r.dc] },
      { sql: `BEGIN NOT ATOMIC IF ROW_COUNT() < ? THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '${OUT_OF_STOCK_SIGNAL}'; END IF; END`,
        params: [r.lines.length] },
      { sql: 'INSERT INTO stock_reservation (id, order_id, dc, `lines`, cart_id, owner_dc) VALUES (?, ?, ?, ?, ?, ?)',
        params: [r.id, r.orderId, r.dc, json, r.cartId, r.ownerDc] },
    ), (err) => (isSignal(err, OUT_OF_STOCK_SIGNAL) ? new StockShortError() : undefined));
  }

  /**
   * Gives an order's reserved units back to DC `dc`'s allocation, once: the reservation flips from
   * held to released, and only the statement that flipped it adds the units. On DC `dc`'s database.
   */
  release(orderId: string, dc: string): Step<void> {
    return exec(
      { sql: `UPDATE stock_reservation SET status = 'released' WHERE order_id = ? AND dc = ? AND status = 'held'`, params: [orderId, dc] },
      { sql: `BEGIN NOT ATOMIC IF ROW_COUNT() = 1 THEN
                UPDATE stock_allocation s JOIN stock_reservation r ON r.order_id = ?
                  JOIN JSON_TABLE(r.\`lines\`, '$[*]' COLUMNS (v VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin PATH '$.v', q INT PATH '$.q')) j
                  ON j.v = s.variant_id
                SET s.available = s.available + j.q WHERE s.dc = ?;
              END IF; END`, params: [orderId, dc] },
    );
  }

  /** The lines this DC's allocation cannot cover now. */
  findShortLines(db: Sql, lines: StockLine[], dc: string): Promise<ShortLine[]> {
    return db.query<ShortLine>(
      `SELECT j.v AS variant_id, v.sku, j.q AS requested, COALESCE(s.available, 0) AS available
       FROM ${LINES_TABLE} j JOIN variant v ON v.id = j.v
       LEFT JOIN stock_allocation s ON s.variant_id = j.v AND s.dc = ?
       WHERE COALESCE(s.available, 0) < j.q ORDER BY j.n`, [JSON.stringify(lines), dc]);
  }

  /** Whether a checkout of the cart has an unknown outcome: a reservation still held for an order this database does not have. */
  unresolvedCheckoutOf(cartId: string): Step<boolean> {
    return mapStep(row<{ unresolved: number }>(`SELECT EXISTS (SELECT 1 FROM stock_reservation r WHERE r.cart_id = ? AND r.status = 'held'
      AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = r.order_id)) AS unresolved`, [cartId]), (r) => Number(r?.unresolved) === 1);
  }

  /**
   * Reservations of DC `dc` still held for an order this database does not have, older than
   * `graceSeconds`: left by a checkout whose owner batch ended without an answer (or by one that
   * committed at an owner whose rows have not replicated here yet).
   */
  async findUnmatched(db: Sql, dc: string, graceSeconds: number, limit: number): Promise<{ orderId: string; ownerDc: string | null }[]> {
    const rows = await db.query<{ order_id: string; owner_dc: string | null }>(
      `SELECT r.order_id, r.owner_dc FROM stock_reservation r LEFT JOIN orders o ON o.id = r.order_id
       WHERE r.status = 'held' AND r.dc = ? AND o.id IS NULL AND r.created_at < CURRENT_TIMESTAMP(3) - INTERVAL ? SECOND
       ORDER BY r.created_at LIMIT ?`, [dc, graceSeconds, limit]);
    return rows.map((r) => ({ orderId: r.order_id, ownerDc: r.owner_dc }));
  }

  /**
   * Reservations of DC `dc` still held for an order this database has as cancelled: the owner
   * cancelled it while this DC could not be reached, and the cancellation has replicated here since.
   */
  async findCancelled(db: Sql, dc: string, limit: number): Promise<string[]> {
    const rows = await db.query<{ order_id: string }>(
      `SELECT r.order_id FROM stock_reservation r JOIN orders o ON o.id = r.order_id
       WHERE r.status = 'held' AND r.dc = ? AND o.status = 'cancelled' ORDER BY r.created_at LIMIT ?`, [dc, limit]);
    return rows.map((r) => r.order_id);
  }

  /** Which of these orders `db` has: whether the reservations held for them are settled there. */
  async ordersPresent(db: Sql, orderIds: string[]): Promise<string[]> {
    if (orderIds.length === 0) return [];
    return (await db.query<{ id: string }>('SELECT id FROM orders WHERE id IN (?)', [orderIds])).map((r) => r.id);
  }

  /** The named lock that lets one process at a time sweep a DC's reservations (held by `tx`'s connection). */
  async tryLock(tx: Sql, name: string): Promise<boolean> {
    const [r] = await tx.query<{ got: number | null }>('SELECT GET_LOCK(?, 0) AS got', [name]);
    return Number(r?.got) === 1;
  }

  async unlock(tx: Sql, name: string): Promise<void> {
    await tx.query('SELECT RELEASE_LOCK(?)', [name]);
  }
}
