import { MigrationInterface, QueryRunner } from 'typeorm';

/** the tables whose old rows are purged, and the column each purge goes by */
const TABLES = [['session', 'expires_at'], ['idempotency_key', 'created_at'], ['login_throttle', 'window_start']] as const;

/**
 * Which database wrote a row: its GTID domain (one per DC). A row's id names the DC that made it,
 * not always the database it was written in (a session or an Idempotency-Key is written at the
 * account's home), and only the writing database may delete it: its delete then travels in the same
 * replication stream, after the insert, to every DC. Rows from before this migration stay NULL
 * (each DC migrates its own database, so a default filled in here would differ between DCs).
 */
export class WrittenDomain1733000000000 implements MigrationInterface {
  name = 'WrittenDomain1733000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const [table, age] of TABLES) {
      await queryRunner.query(`ALTER TABLE ${table}
        ADD COLUMN IF NOT EXISTS written_domain INT UNSIGNED NULL COMMENT 'gtid_domain_id of the database that wrote the row',
        ADD KEY IF NOT EXISTS ix_${table}_purge (written_domain, ${age})`);
      await queryRunner.query(`ALTER TABLE ${table} ALTER COLUMN written_domain SET DEFAULT (@@gtid_domain_id)`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const [table] of TABLES) await queryRunner.query(`ALTER TABLE ${table} DROP INDEX ix_${table}_purge, DROP COLUMN written_domain`);
  }
}
