import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stock moved from one DC's allocation to another's. The source DC's database takes the units off
 * its allocation row and writes the `stock_transfer` row in one transaction; the destination DC's
 * database adds them to its own row and writes the `stock_transfer_receipt` row in one transaction,
 * once (the receipt's key is the transfer's). Between the two the units are in transit: a transfer
 * without a receipt. Each row is written by one DC only, so replication never sees two writers.
 */
export class StockTransfer1732500000000 implements MigrationInterface {
  name = 'StockTransfer1732500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE IF NOT EXISTS stock_transfer (
      id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin PRIMARY KEY,
      variant_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      from_dc VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      to_dc VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      units INT UNSIGNED NOT NULL,
      requested_by VARCHAR(254) NOT NULL COMMENT 'an admin account id, or the operator tool',
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      KEY ix_stock_transfer_to (to_dc, created_at),
      KEY ix_stock_transfer_variant (variant_id, created_at)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await queryRunner.query(`CREATE TABLE IF NOT EXISTS stock_transfer_receipt (
      transfer_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin PRIMARY KEY,
      dc VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      received_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS stock_transfer_receipt');
    await queryRunner.query('DROP TABLE IF EXISTS stock_transfer');
  }
}
