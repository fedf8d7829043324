import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What an order took from a DC's stock allocation, kept in that DC's database (the allocation's
 * owner): the order itself may live in another DC's database (the account's home). Cancelling
 * gives the units back exactly once, by flipping `status` from held to released in the same
 * transaction as the allocation update, wherever the order is.
 */
export class StockReservation1732400000000 implements MigrationInterface {
  name = 'StockReservation1732400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE IF NOT EXISTS stock_reservation (
      id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin PRIMARY KEY,
      order_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      dc VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      \`lines\` JSON NOT NULL COMMENT '[{"v": variant id, "q": units}]',
      status ENUM('held', 'released') NOT NULL DEFAULT 'held',
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
      UNIQUE KEY uq_stock_reservation_order (order_id),
      KEY ix_stock_reservation_status (status, created_at)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS stock_reservation');
  }
}
