import type { Migration } from '../migrator.ts';
import { checkIn } from '../column-types.ts';
import { JOB_STATES } from '../../../domains/jobs/job.model.ts';

export const jobs: Migration = {
  name: '0002-jobs',
  async up({ db, t }) {
    await db.schema
      .createTable('job')
      .addColumn('job_id', t.id, (c) => c.primaryKey().notNull())
      .addColumn('name', t.text, (c) => c.notNull())
      .addColumn('payload', t.json, (c) => c.notNull())
      .addColumn('state', t.text, (c) => c.notNull())
      .addColumn('agency_id', t.id, (c) => c.references('agency.agency_id'))
      .addColumn('priority', t.integer, (c) => c.notNull().defaultTo(0))
      .addColumn('run_at', t.time, (c) => c.notNull())
      .addColumn('attempts', t.integer, (c) => c.notNull().defaultTo(0))
      .addColumn('max_attempts', t.integer, (c) => c.notNull())
      .addColumn('idempotency_key', t.text, (c) => c.unique())
      .addColumn('lease_owner', t.text)
      .addColumn('lease_expires_at', t.time)
      .addColumn('last_error', t.text)
      .addColumn('result', t.json)
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('updated_at', t.time, (c) => c.notNull())
      .addColumn('finished_at', t.time)
      .addCheckConstraint('job_state_check', checkIn('state', JOB_STATES))
      .execute();
    await db.schema.createIndex('job_claim_idx').on('job').columns(['state', 'run_at']).execute();
    await db.schema.createIndex('job_agency_idx').on('job').columns(['agency_id', 'created_at']).execute();

    await db.schema
      .createTable('recurring_job')
      .addColumn('name', t.text, (c) => c.primaryKey().notNull())
      .addColumn('interval_ms', t.bigint, (c) => c.notNull())
      .addColumn('payload', t.json, (c) => c.notNull())
      .addColumn('next_run_at', t.time, (c) => c.notNull())
      .addColumn('paused', t.bool, (c) => c.notNull().defaultTo(0))
      .execute();
  },
};
