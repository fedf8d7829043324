import { MigrationInterface, QueryRunner } from 'typeorm';

const ORIGIN = `origin_dc VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin AS (SUBSTRING_INDEX(id, '_', 1)) STORED COMMENT 'the DC that made the row'`;

/** table, old unique key, new unique key, its columns (the natural key, then the DC that owns the row) */
const keys: [string, string, string, string][] = [
  ['category', 'uq_category_slug', 'uq_category_slug_origin', 'slug, origin_dc'],
  ['product', 'uq_product_slug', 'uq_product_slug_origin', 'slug, origin_dc'],
  ['variant', 'uq_variant_sku', 'uq_variant_sku_origin', 'sku, origin_dc'],
  ['discount', 'uq_discount_code', 'uq_discount_code_origin', 'code, origin_dc'],
  ['shipping_method', 'uq_shipping_code', 'uq_shipping_code_origin', 'code, origin_dc'],
  ['login_throttle', 'uq_login_throttle_key', 'uq_login_throttle_key_origin', 'throttle_key, origin_dc'],
];

/**
 * No unique key that two DCs can both claim. A row is written only by the DC that owns it, but a
 * natural key (a slug, a SKU, a code, a log-in throttle key) unique across the whole database lets
 * two DCs each commit the same value within one replication lag, and then each replication channel
 * stops on the other's row (a duplicate key in the applier). These keys become unique per owning
 * DC, like the e-mail address (1732700000000): the services still refuse a value they see from any
 * DC, and when two DCs race, both rows replicate and readers take the earliest (smallest ULID).
 * An adopted guest cart is unique per adopting DC (two DCs may both adopt a cart of a third).
 */
export class KeysPerOrigin1732800000000 implements MigrationInterface {
  name = 'KeysPerOrigin1732800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const [table, old, key, columns] of keys) {
      await queryRunner.query(`ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS ${ORIGIN}, DROP INDEX IF EXISTS ${old}, ADD UNIQUE KEY IF NOT EXISTS ${key} (${columns})`);
    }
    await queryRunner.query('ALTER TABLE cart DROP INDEX IF EXISTS uq_cart_adopted_from, ADD UNIQUE KEY IF NOT EXISTS uq_cart_adopted_from_owner (adopted_from, owner_dc)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE cart DROP INDEX uq_cart_adopted_from_owner, ADD UNIQUE KEY uq_cart_adopted_from (adopted_from)');
    for (const [table, old, key, columns] of keys) {
      await queryRunner.query(`ALTER TABLE ${table} DROP INDEX ${key}, DROP COLUMN origin_dc, ADD UNIQUE KEY ${old} (${columns.split(',')[0]})`);
    }
  }
}
