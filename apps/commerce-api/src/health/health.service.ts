import { Inject, Injectable } from '@nestjs/common';
import { OrderDataSourceRouter } from '../database/order-data-source.router';

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
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('timeout')), DB_TIMEOUT_MS); });
    const db = await Promise.race([this.router.local.query('SELECT 1'), timeout])
      .then(() => 'up' as const, () => 'down' as const)
      .finally(() => clearTimeout(timer));
    const status = db === 'up' && !this.draining ? 'ok' : 'fail';
    return { status, dc: this.router.dc, db, draining: this.draining };
  }
}
