import { MigrationInterface, QueryRunner } from 'typeorm';

const DC = 'VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin';
const ID = 'VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin';

/**
 * Failover (docs/runbooks/failover.md). dc_fence: one row per DC that was ever failed over, its
 * epoch bumped by each failover and failback; a DC whose row says failed_over takes no write, and a
 * write carrying an older epoch of its DC is refused by every database that has the row. Written by
 * the survivor that took the DC's accounts, it replicates to the other survivors.
 * stock_takeover: the lost DC's unsold allocation, moved to the survivor once per failover epoch, and
 * at failback given back as far as the survivor has not sold it. failover_rehome: the accounts a
 * failover moved, which `failback --rehome` moves back.
 */
export class DcFence1733400000000 implements MigrationInterface {
  name = 'DcFence1733400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE IF NOT EXISTS dc_fence (
      dc ${DC} NOT NULL,
      epoch INT UNSIGNED NOT NULL COMMENT 'bumped by every failover and failback of the DC',
      state ENUM('failed_over', 'serving') NOT NULL,
      moved_to ${DC} NULL COMMENT 'the DC its accounts went to',
      changed_at DATETIME(3) NOT NULL,
      changed_by VARCHAR(200) NOT NULL,
      PRIMARY KEY (dc)
    ) ENGINE=InnoDB`);
    await queryRunner.query(`CREATE TABLE IF NOT EXISTS stock_takeover (
      from_dc ${DC} NOT NULL,
      epoch INT UNSIGNED NOT NULL,
      variant_id ${ID} NOT NULL,
      to_dc ${DC} NOT NULL,
      units INT UNSIGNED NOT NULL,
      taken_at DATETIME(3) NOT NULL,
      returned INT UNSIGNED NULL COMMENT 'units given back at failback: what the survivor still had of them',
      PRIMARY KEY (from_dc, epoch, variant_id)
    ) ENGINE=InnoDB`);
    await queryRunner.query(`CREATE TABLE IF NOT EXISTS failover_rehome (
      from_dc ${DC} NOT NULL,
      epoch INT UNSIGNED NOT NULL,
      account_id ${ID} NOT NULL,
      PRIMARY KEY (from_dc, epoch, account_id)
    ) ENGINE=InnoDB`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS failover_rehome');
    await queryRunner.query('DROP TABLE IF EXISTS stock_takeover');
    await queryRunner.query('DROP TABLE IF EXISTS dc_fence');
  }
}
