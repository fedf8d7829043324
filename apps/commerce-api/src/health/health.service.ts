import { Inject, Injectable } from '@nestjs/common';
import { OrderDataSourceRouter } from '../database/order-data-source.router';
import { withDeadline } from '../common/deadline';

const DB_TIMEOUT_MS = 1000;

@Injectable()
export class HealthService {
  private draining = false;

  constructor(@Inject(OrderDataSourceRouter) private readonly router: OrderDataSourceRouter) {}

  /** Once shutdown begins, readiness fails so that load balancers stop sending new requests. */
  startDraining(): void {
    this.draining = true;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  async readiness(): Promise<{ status: 'ok' | 'fail'; dc: string; db: 'up' | 'down'; draining: boolean }> {
    const db = await withDeadline(this.router.local.query('SELECT 1'), DB_TIMEOUT_MS).then(() => 'up' as const, () => 'down' as const);
    const status = db === 'up' && !this.draining ? 'ok' : 'fail';
    return { status, dc: this.router.dc, db, draining: this.draining };
  }
}
