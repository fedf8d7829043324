import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A reservation names the cart its checkout ordered from and the DC the order was sent to. A
 * reservation still held for an order that no database here has is a checkout whose outcome is
 * unknown (its owner batch was sent and no answer came back): no DC may adopt that cart and sell it
 * a second time until it is settled; and the sweeper that settles it needs that DC's answer only.
 * Written idempotently (IF NOT EXISTS): DDL commits as it goes, so an interrupted run is repeated.
 */
export class ReservationCart1733200000000 implements MigrationInterface {
  name = 'ReservationCart1733200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE stock_reservation
      ADD COLUMN IF NOT EXISTS cart_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NULL COMMENT 'the cart the checkout ordered from',
      ADD COLUMN IF NOT EXISTS owner_dc VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NULL COMMENT 'the DC whose database the order was sent to',
      ADD KEY IF NOT EXISTS ix_stock_reservation_cart (cart_id, status)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE stock_reservation DROP KEY IF EXISTS ix_stock_reservation_cart, DROP COLUMN IF EXISTS cart_id, DROP COLUMN IF EXISTS owner_dc');
  }
}
