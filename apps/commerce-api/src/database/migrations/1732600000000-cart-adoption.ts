import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A guest cart adopted by another DC while its own DC could not be reached: the copy, made from
 * the adopting DC's replica, names the cart it was copied from. The key lets a DC adopt a cart once.
 */
export class CartAdoption1732600000000 implements MigrationInterface {
  name = 'CartAdoption1732600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE cart
      ADD COLUMN IF NOT EXISTS adopted_from VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NULL COMMENT 'the guest cart of an unreachable DC this one copies',
      ADD UNIQUE KEY IF NOT EXISTS uq_cart_adopted_from (adopted_from)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE cart DROP KEY uq_cart_adopted_from, DROP COLUMN adopted_from');
  }
}
