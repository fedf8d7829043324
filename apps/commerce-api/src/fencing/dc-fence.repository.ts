import { Injectable } from '@nestjs/common';
import { newId } from '@meridian/dc';
import { OrderDataSource, Sql, TxSql } from '../database/sql';

export interface FenceRow {
  dc: string;
  epoch: number;
  state: 'failed_over' | 'serving';
  moved_to: string | null;
  changed_at: Date;
}

/** What a database says about fencing: its DCs' fence rows, and whether it takes writes at all. */
export interface FenceView {
  fences: FenceRow[];
  readOnly: boolean;
}

export interface TakeOver {
  lost: string;
  to: string;
  /** who asked (the operator's command line), kept in the fence row */
  by: string;
  now: Date;
}

export interface TakeOverResult {
  /** false: the DC had been failed over already (to `movedTo` at `epoch`); nothing was done now */
  done: boolean;
  epoch: number;
  movedTo: string;
  accountsMoved: number;
  /** SKUs whose allocation was taken over, and the units */
  stockRows: number;
  stockUnits: number;
  /** guest carts of the lost DC this database holds, still active: adopted by the DC a shopper next uses them at */
  guestCartsLeft: number;
}

export interface HandBackResult {
  /** false: the DC was not failed over; nothing was done */
  handedBack: boolean;
  epoch: number;
  /** SKUs and units given back to the DC from what the survivor had taken over and not sold */
  stockRows: number;
  stockUnits: number;
  /** --rehome: accounts the failover moved that are homed in the DC again */
  accountsBack: number;
}

/** The SQL of fencing: dc_fence, and the takeover of a lost DC's accounts and stock allocation in one transaction. */
@Injectable()
export class DcFenceRepository {
  async view(db: Sql): Promise<FenceView> {
    const [fences, [ro]] = await Promise.all([
      db.query<FenceRow>('SELECT dc, epoch, state, moved_to, changed_at FROM dc_fence'),
      db.query<{ ro: number }>('SELECT @@global.read_only AS ro'),
    ]);
    return { fences: fences.map((f) => ({ ...f, epoch: Number(f.epoch) })), readOnly: Number(ro?.ro) === 1 };
  }

  /**
   * Failover's data step, at the survivor `to`, in one transaction: the lost DC's fence row (epoch + 1,
   * failed_over), every account homed there re-homed to `to` (epoch + 1 each, one statement), and its
   * unsold allocation moved onto `to`'s rows through a stock_takeover row per SKU (zero left on the
   * lost DC's row: never counted twice). A second run finds the fence and does nothing.
   */
  async takeOver(db: OrderDataSource, t: TakeOver): Promise<TakeOverResult> {
    return db.transaction(async (tx) => {
      const [fence] = await tx.query<FenceRow>('SELECT dc, epoch, state, moved_to FROM dc_fence WHERE dc = ? FOR UPDATE', [t.lost]);
      const guestCartsLeft = await this.activeGuestCarts(tx, t.lost);
      if (fence?.state === 'failed_over') {
        return { done: false, epoch: Number(fence.epoch), movedTo: fence.moved_to ?? '', accountsMoved: 0, stockRows: 0, stockUnits: 0, guestCartsLeft };
      }
      const epoch = Number(fence?.epoch ?? 0) + 1;
      await tx.execute(`INSERT INTO dc_fence (dc, epoch, state, moved_to, changed_at, changed_by) VALUES (?, ?, 'failed_over', ?, ?, ?)
        ON DUPLICATE KEY UPDATE epoch = VALUES(epoch), state = VALUES(state), moved_to = VALUES(moved_to), changed_at = VALUES(changed_at), changed_by = VALUES(changed_by)`,
      [t.lost, epoch, t.to, t.now, t.by.slice(0, 200)]);
      await tx.execute('INSERT INTO failover_rehome (from_dc, epoch, account_id) SELECT ?, ?, id FROM account WHERE home_dc = ?', [t.lost, epoch, t.lost]);
      const moved = await tx.execute('UPDATE account SET home_dc = ?, home_epoch = home_epoch + 1 WHERE home_dc = ?', [t.to, t.lost]);
      const stock = await this.takeStock(tx, t, epoch);
      return { done: true, epoch, movedTo: t.to, accountsMoved: moved.affectedRows, ...stock, guestCartsLeft };
    });
  }

  /**
   * Failback's last data step, at the survivor that took the DC's accounts, in one transaction: the
   * stock it took over goes back, as far as the survivor has not sold it (recorded in `returned`), and
   * the DC serves again at the next epoch (its processes write with it once their database has this
   * row: the rebuild from this survivor's snapshot brings it); with `rehome`, the accounts the failover
   * moved are homed in it again (epoch + 1). Nothing is done, and `handedBack` is false, when the DC is
   * not failed over.
   */
  async handBack(db: OrderDataSource, h: { dc: string; by: string; now: Date; rehome?: boolean }): Promise<HandBackResult> {
    return db.transaction(async (tx) => {
      const [fence] = await tx.query<FenceRow>('SELECT dc, epoch, state, moved_to FROM dc_fence WHERE dc = ? FOR UPDATE', [h.dc]);
      if (fence?.state !== 'failed_over') return { handedBack: false, epoch: Number(fence?.epoch ?? 0), stockRows: 0, stockUnits: 0, accountsBack: 0 };
      const epoch = Number(fence.epoch);
      const taken = [h.dc, epoch];
      await tx.execute(`UPDATE stock_takeover k JOIN stock_allocation s ON s.variant_id = k.variant_id AND s.dc = k.to_dc
        SET k.returned = LEAST(k.units, s.available) WHERE k.from_dc = ? AND k.epoch = ? AND k.returned IS NULL`, taken);
      await tx.execute(`UPDATE stock_allocation s JOIN stock_takeover k ON k.variant_id = s.variant_id AND k.to_dc = s.dc
        SET s.available = s.available - k.returned WHERE k.from_dc = ? AND k.epoch = ?`, taken);
      await tx.execute(`UPDATE stock_allocation s JOIN stock_takeover k ON k.variant_id = s.variant_id AND k.from_dc = s.dc
        SET s.available = s.available + k.returned WHERE k.from_dc = ? AND k.epoch = ?`, taken);
      const [sum] = await tx.query<{ n: number; units: number | null }>(
        'SELECT COUNT(*) AS n, SUM(returned) AS units FROM stock_takeover WHERE from_dc = ? AND epoch = ? AND returned > 0', taken);
      // --rehome: the accounts this failover moved go back, those still homed where it put them (a log-in may have moved one since)
      const back = h.rehome ? await tx.execute(`UPDATE account a JOIN failover_rehome r ON r.account_id = a.id AND r.from_dc = ? AND r.epoch = ?
        SET a.home_dc = r.from_dc, a.home_epoch = a.home_epoch + 1 WHERE a.home_dc = ?`, [h.dc, epoch, fence.moved_to]) : { affectedRows: 0 };
      await tx.execute(`UPDATE dc_fence SET state = 'serving', epoch = epoch + 1, changed_at = ?, changed_by = ? WHERE dc = ?`,
        [h.now, h.by.slice(0, 200), h.dc]);
      return { handedBack: true, epoch: epoch + 1, stockRows: Number(sum?.n ?? 0), stockUnits: Number(sum?.units ?? 0), accountsBack: back.affectedRows };
    });
  }

  private async takeStock(tx: TxSql, t: TakeOver, epoch: number): Promise<{ stockRows: number; stockUnits: number }> {
    await tx.execute(`INSERT INTO stock_takeover (from_dc, epoch, variant_id, to_dc, units, taken_at)
      SELECT dc, ?, variant_id, ?, available, ? FROM stock_allocation WHERE dc = ? AND available > 0`, [epoch, t.to, t.now, t.lost]);
    // a SKU the survivor has no row for gets one (ids carry the survivor: it owns the row)
    const missing = await tx.query<{ variant_id: string }>(`SELECT k.variant_id FROM stock_takeover k
      LEFT JOIN stock_allocation s ON s.variant_id = k.variant_id AND s.dc = ? WHERE k.from_dc = ? AND k.epoch = ? AND s.id IS NULL`, [t.to, t.lost, epoch]);
    for (let i = 0; i < missing.length; i += 500) {
      const part = missing.slice(i, i + 500);
      await tx.execute(`INSERT INTO stock_allocation (id, variant_id, dc, available) VALUES ${part.map(() => '(?, ?, ?, 0)').join(', ')}`,
        part.flatMap((m) => [newId(t.to), m.variant_id, t.to]));
    }
    await tx.execute(`UPDATE stock_allocation s JOIN stock_takeover k ON k.variant_id = s.variant_id AND k.from_dc = ? AND k.epoch = ?
      SET s.available = s.available + k.units WHERE s.dc = ?`, [t.lost, epoch, t.to]);
    await tx.execute('UPDATE stock_allocation SET available = 0 WHERE dc = ? AND available > 0', [t.lost]);
    const [sum] = await tx.query<{ n: number; units: number | null }>('SELECT COUNT(*) AS n, SUM(units) AS units FROM stock_takeover WHERE from_dc = ? AND epoch = ?',
      [t.lost, epoch]);
    return { stockRows: Number(sum?.n ?? 0), stockUnits: Number(sum?.units ?? 0) };
  }

  private async activeGuestCarts(db: Sql, dc: string): Promise<number> {
    const [r] = await db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM cart c WHERE c.owner_dc = ? AND c.account_id IS NULL AND c.status = 'active'
      AND NOT EXISTS (SELECT 1 FROM cart a WHERE a.adopted_from = c.id)`, [dc]);
    return Number(r?.n ?? 0);
  }
}
