import { MigrationInterface, QueryRunner } from 'typeorm';
import { DOSSIER_SPANS_FROM_STATES_SQL, INDICATOR_BUCKETS_FROM_STATES_SQL } from '../indicator-ledger-sql';

/**
 * What the national indicators need beyond the rate buckets (libs/domain/src/indicator-ledger.ts), kept by the
 * aggregator in the same transaction as the buckets:
 * - `indicator_buckets`: per day × agency × procedure, dossiers received that day with a payment and paid online
 *   (3.6), dossiers completed that day with a known reception and their resolution seconds (2.2);
 * - `dossier_spans`: dossiers by reception, due and closing day, from which "in progress at the end of a period,
 *   within or past the deadline" (2.1) is read exactly for any period. 9999-12-31 stands for "none yet".
 * - `bucket_changes`: per day × agency, the first and the last Vietnam day on which any of its counts changed, so
 *   that a final period whose figures later events change is flagged rather than silently rewritten.
 * The first two are filled from the dossier states already stored, so an existing deployment gets its history.
 */
export class IndicatorLedger1765500000000 implements MigrationInterface {
  name = 'IndicatorLedger1765500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE indicator_buckets (
        day                    date NOT NULL,
        agency_code            text NOT NULL,
        procedure_code         text NOT NULL,
        received_with_payment  integer NOT NULL DEFAULT 0,
        received_paid_online   integer NOT NULL DEFAULT 0,
        resolved               integer NOT NULL DEFAULT 0,
        resolution_seconds     bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (day, agency_code, procedure_code)
      )`);
    await queryRunner.query(`CREATE INDEX indicator_buckets_agency_day_idx ON indicator_buckets (agency_code, day)`);
    await queryRunner.query(`
      CREATE TABLE dossier_spans (
        agency_code     text NOT NULL,
        procedure_code  text NOT NULL,
        received_day    date NOT NULL,
        due_day         date NOT NULL,
        closed_day      date NOT NULL,
        dossiers        integer NOT NULL DEFAULT 0,
        PRIMARY KEY (agency_code, procedure_code, received_day, due_day, closed_day)
      )`);
    // Reads ask for "received by D, closed after D": most rows are closed long before any D asked for.
    await queryRunner.query(`CREATE INDEX dossier_spans_closed_day_idx ON dossier_spans (closed_day, received_day)`);
    await queryRunner.query(`
      CREATE TABLE bucket_changes (
        day              date NOT NULL,
        agency_code      text NOT NULL,
        first_changed_on date NOT NULL,
        last_changed_on  date NOT NULL,
        PRIMARY KEY (day, agency_code)
      )`);
    await queryRunner.query(`
      INSERT INTO indicator_buckets (day, agency_code, procedure_code, received_with_payment, received_paid_online, resolved, resolution_seconds)
      ${INDICATOR_BUCKETS_FROM_STATES_SQL}`);
    await queryRunner.query(`
      INSERT INTO dossier_spans (agency_code, procedure_code, received_day, due_day, closed_day, dossiers)
      ${DOSSIER_SPANS_FROM_STATES_SQL}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS bucket_changes`);
    await queryRunner.query(`DROP TABLE IF EXISTS dossier_spans`);
    await queryRunner.query(`DROP TABLE IF EXISTS indicator_buckets`);
  }
}
