import { Inject, Injectable } from '@nestjs/common';
import { newId } from '@meridian/dc';
import { DomainError, ErrorCode, invalidInput, notFound } from '../common/domain-error';
import { OrderDataSourceRouter } from '../database/order-data-source.router';
import { Batch } from '../database/batch';
import { OrderDataSource } from '../database/sql';
import { UnreachableError } from '../database/sql-errors';
import { StockView, TransferView } from './stock.dto';
import { StockRepository, Transfer, TransferKeyTakenError, TransferRow, TransferShortError } from './stock.repository';

/** how long a transfer's receiving DC waits to have applied the source's commit before the answer says "in transit" */
const RECEIVE_WAIT_SECONDS = 2;

/** a transfer to make: the variant by id (admin endpoint) or SKU (operator CLI), with an optional Idempotency-Key */
export type TransferRequest = Omit<Transfer, 'id' | 'variantId'> & { variantId?: string; sku?: string; key?: string };

export interface TransferAnswer {
  transfer: TransferView;
  /** the Idempotency-Key had made this transfer before: nothing moved now */
  replayed: boolean;
}

const view = (t: Transfer, receivedAt: Date | null, createdAt?: Date): TransferView => ({
  ...t, state: receivedAt ? 'received' : 'in_transit',
  ...(createdAt ? { createdAt: new Date(createdAt).toISOString() } : {}),
  ...(receivedAt ? { receivedAt: new Date(receivedAt).toISOString() } : {}),
});

const fromRow = (r: TransferRow): Transfer => ({
  id: r.id, variantId: r.variant_id, from: r.from_dc, to: r.to_dc, units: Number(r.units), requestedBy: r.requested_by,
});

/**
 * Moves stock allocation between DCs without ever making the sum wrong. The units leave the
 * source DC's allocation in one transaction at the source's database (with the transfer row),
 * then arrive in the destination's in one transaction there (with the receipt row), never
 * before the destination's database has applied the source's commit. Between the two they are
 * "in transit", counted in no allocation and in the sum. When the destination cannot be reached
 * the transfer stays in transit and the destination's StockReceiver completes it once the
 * transfer row has replicated there. Used by the admin endpoint and by the operator CLI.
 */
@Injectable()
export class StockTransfersService {
  constructor(
    @Inject(OrderDataSourceRouter) private readonly router: OrderDataSourceRouter,
    @Inject(StockRepository) private readonly repo: StockRepository,
  ) {}

  /** every DC this process can reach a database of */
  dcs(): string[] {
    return [this.router.dc, ...this.router.remoteSources().map((r) => r.dc)].sort();
  }

  async transfer(req: TransferRequest): Promise<TransferAnswer> {
    const known = this.dcs();
    for (const dc of [req.from, req.to]) {
      if (!known.includes(dc)) throw invalidInput(`unknown DC "${dc}"; the DCs are ${known.join(', ')}`);
    }
    if (req.from === req.to) throw invalidInput('from and to must be two different DCs');
    if (!Number.isInteger(req.units) || req.units < 1) throw invalidInput('units must be a whole number of at least 1');
    const variantId = await this.repo.variantIdOf(this.router.local, { id: req.variantId, sku: req.sku });
    if (!variantId) throw notFound('variant', req.variantId ?? req.sku);

    const t: Transfer = { id: newId(req.from), variantId, from: req.from, to: req.to, units: req.units, requestedBy: req.requestedBy };
    const source = this.router.forOwner(t.from);
    const key = req.key;
    let gtid: string;
    try {
      const send = new Batch();
      send.add(this.repo.send(t, key));
      const made = key ? send.add(this.repo.byKey(t.from, key)) : undefined;
      gtid = await source.transaction((tx) => tx.batchCommitGtid(send));
      if (made?.value && made.value.id !== t.id) return await this.replay(t, made.value);
    } catch (err) {
      if (key && err instanceof TransferKeyTakenError) { // the same key at the same moment: the other request made it
        const made = await source.run(this.repo.byKey(t.from, key));
        if (!made) throw err;
        return this.replay(t, made);
      }
      if (err instanceof UnreachableError && err.outcomeUnknown) {
        // the source may have committed: asking again blindly could move the units twice
        throw new DomainError(ErrorCode.Unavailable, `the connection to DC ${t.from} broke while transfer ${t.id} was on its way: it may `
          + `have been made; ${key ? 'ask again with the same Idempotency-Key, or ' : ''}look it up (GET /api/admin/stock-transfers/${t.id}) `
          + 'before asking again', { transferId: t.id }, 5);
      }
      if (!(err instanceof TransferShortError)) throw err;
      const available = await this.repo.available(source, variantId, t.from);
      throw new DomainError(ErrorCode.OutOfStock, `DC ${t.from} has ${available} units of this variant; cannot move ${t.units}`,
        { dc: t.from, variantId, available, requested: t.units });
    }
    return { transfer: view(t, await this.deliver(t, gtid)), replayed: false };
  }

  /**
   * A transfer asked again with its Idempotency-Key: the one made the first time, as it stands now
   * (its destination's StockReceiver completes it if the first request could not). The same key
   * for another transfer is refused.
   */
  private async replay(asked: Transfer, made: TransferRow): Promise<TransferAnswer> {
    const first = fromRow(made);
    if (first.variantId !== asked.variantId || first.to !== asked.to || first.units !== asked.units) {
      throw new DomainError(ErrorCode.IdempotencyKeyReused,
        `this Idempotency-Key was used for transfer ${first.id} (${first.units} units of ${first.variantId} from ${first.from} to ${first.to})`,
        { transferId: first.id });
    }
    return { transfer: await this.find(first.id, first.from), replayed: true };
  }

  /** Receives `t` at its destination now; null when the destination cannot yet (it stays in transit). */
  private async deliver(t: Transfer, sourceGtid: string): Promise<Date | null> {
    try {
      const b = new Batch();
      b.add(this.repo.receive(t, newId(t.to), { gtid: sourceGtid, waitSeconds: RECEIVE_WAIT_SECONDS }));
      const receipt = b.add(this.repo.receiptOf(t.id));
      await this.router.forOwner(t.to).transaction((tx) => tx.batchAndCommit(b));
      return receipt.value;
    } catch (err) {
      if (err instanceof UnreachableError || (err instanceof DomainError && err.code === ErrorCode.Unavailable)) return null;
      throw err;
    }
  }

  /** A transfer as its source DC's database has it, with the receipt as the destination's has it (this DC's replica for one that cannot be reached). */
  async find(id: string, sourceDc: string | undefined): Promise<TransferView> {
    const read = <T>(dc: string | undefined, work: (db: OrderDataSource) => Promise<T>): Promise<T> => {
      if (!dc || dc === this.router.dc || !this.dcs().includes(dc)) return work(this.router.local);
      return work(this.router.forOwner(dc)).catch((err) => {
        if (err instanceof UnreachableError) return work(this.router.local);
        throw err;
      });
    };
    const row = await read(sourceDc, (db) => this.repo.findTransfer(db, id));
    if (!row) throw notFound('stock transfer', id);
    const receivedAt = row.received_at ?? await read(row.to_dc, (db) => this.repo.receivedAt(db, id));
    return view(fromRow(row), receivedAt, row.created_at);
  }

  /** One variant's allocation in every DC and its units in transit, as this DC's database sees them. */
  async stockOf(variantId: string): Promise<StockView> {
    const found = await this.repo.variantIdOf(this.router.local, { id: variantId });
    if (!found) throw notFound('variant', variantId);
    const { allocations, inTransit, receivedAhead } = await this.repo.stockOf(this.router.local, variantId);
    const moving = inTransit.map((r) => view(fromRow(r), null, r.created_at));
    const ahead = receivedAhead.map((r) => ({
      transferId: r.transfer_id, from: r.from_dc, to: r.dc, units: Number(r.units), receivedAt: new Date(r.received_at).toISOString(),
    }));
    const sum = (xs: { units: number }[]) => xs.reduce((s, x) => s + x.units, 0);
    return {
      variantId, asSeenBy: this.router.dc, allocations, inTransit: moving, receivedAhead: ahead,
      total: allocations.reduce((s, a) => s + a.available, 0) + sum(moving) - sum(ahead),
    };
  }

  /** Receives, in this DC's database, every transfer to this DC it has and has no receipt for; answers their ids. */
  async receivePending(limit = 100): Promise<string[]> {
    const local = this.router.local;
    const pending = await this.repo.findUnreceived(local, local.dc, limit);
    const received: string[] = [];
    for (const row of pending) {
      const b = new Batch();
      b.add(this.repo.receive(fromRow(row), newId(local.dc)));
      const receipt = b.add(this.repo.receiptOf(row.id));
      await local.transaction((tx) => tx.batchAndCommit(b));
      if (receipt.value) received.push(row.id);
    }
    return received;
  }
}
