import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An e-mail address is unique per DC that registered it, not per database: two DCs registering
 * the same address within one replication lag would otherwise each commit, and then each stop
 * replicating on the other's row (a duplicate key in the applier halts the channel). Now both rows
 * replicate, and the earliest registration (smallest ULID) owns the address everywhere; a
 * registration still refuses an address it already sees from any DC.
 */
export class AccountEmailPerDc1732700000000 implements MigrationInterface {
  name = 'AccountEmailPerDc1732700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE account
      ADD COLUMN IF NOT EXISTS origin_dc VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin AS (SUBSTRING_INDEX(id, '_', 1)) STORED COMMENT 'the DC that registered it',
      DROP INDEX IF EXISTS uq_account_email,
      ADD UNIQUE KEY IF NOT EXISTS uq_account_email_origin (email, origin_dc)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE account DROP INDEX uq_account_email_origin, DROP COLUMN origin_dc, ADD UNIQUE KEY uq_account_email (email)');
  }
}
