import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The Idempotency-Key of a stock transfer, unique per source DC: transfer rows are written only by
 * their source DC's database, so the key is checked where the units leave, and two DCs never
 * claim one (from_dc, idem_key).
 */
export class StockTransferKey1732900000000 implements MigrationInterface {
  name = 'StockTransferKey1732900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE stock_transfer
      ADD COLUMN IF NOT EXISTS idem_key VARCHAR(100) CHARACTER SET ascii COLLATE ascii_bin NULL COMMENT 'the Idempotency-Key it was asked with',
      ADD UNIQUE KEY IF NOT EXISTS uq_stock_transfer_key (from_dc, idem_key)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE stock_transfer DROP INDEX uq_stock_transfer_key, DROP COLUMN idem_key');
  }
}
