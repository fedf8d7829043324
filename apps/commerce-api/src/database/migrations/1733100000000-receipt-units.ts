import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A receipt says what arrived (variant, source DC, units), not only which transfer: a third DC's
 * database may apply a receipt before the transfer it completes (its appliers commit transactions
 * of different GTID domains out of order, and the two come from two DCs), and it then needs the
 * receipt alone to count those units once. Receipts from before this migration stay NULL there.
 */
export class ReceiptUnits1733100000000 implements MigrationInterface {
  name = 'ReceiptUnits1733100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE stock_transfer_receipt
      ADD COLUMN IF NOT EXISTS variant_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NULL,
      ADD COLUMN IF NOT EXISTS from_dc VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NULL,
      ADD COLUMN IF NOT EXISTS units INT UNSIGNED NULL,
      ADD KEY IF NOT EXISTS ix_stock_transfer_receipt_variant (variant_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE stock_transfer_receipt DROP KEY ix_stock_transfer_receipt_variant,
      DROP COLUMN variant_id, DROP COLUMN from_dc, DROP COLUMN units`);
  }
}
