import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One row per gslb-healthcheck instance, rewritten every round: the write that proves the DC's
 * database accepts writes. It replicates like any row, so every other DC reads how far behind it
 * is from the age of the row (a heartbeat). Each row is written only by the DC it names.
 */
export class HealthBeacon1733300000000 implements MigrationInterface {
  name = 'HealthBeacon1733300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE IF NOT EXISTS health_beacon (
      source VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL COMMENT 'the aggregator: <dc>-<instance>',
      dc VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      beat_at DATETIME(3) NOT NULL COMMENT 'UTC, as the writing DC''s database had it',
      beats BIGINT UNSIGNED NOT NULL DEFAULT 1,
      PRIMARY KEY (source)
    ) ENGINE=InnoDB`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS health_beacon');
  }
}
