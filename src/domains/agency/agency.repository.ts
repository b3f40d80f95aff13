/**
 * Agencies are the tenants themselves, so this is the one repository that is not scoped by agency.
 * Only the composition root, the auth service and the instance-admin routes receive it.
 */
import type { Kysely, Selectable } from 'kysely';
import type { AgencyTable, Database } from '../../adapters/db/schema.ts';
import type { Agency, AgencyKind } from './agency.model.ts';

function toAgency(r: Selectable<AgencyTable>): Agency {
  return { id: r.agency_id, name: r.name, kind: r.kind as AgencyKind, operator: r.operator === 1, createdAt: r.created_at };
}

export function createAgencyRepository(db: Kysely<Database>) {
  return {
    async list(): Promise<Agency[]> {
      const rows = await db.selectFrom('agency').selectAll().orderBy('name').execute();
      return rows.map(toAgency);
    },
    async get(agencyId: string): Promise<Agency | null> {
      const r = await db.selectFrom('agency').selectAll().where('agency_id', '=', agencyId).executeTakeFirst();
      return r ? toAgency(r) : null;
    },
    async findByName(name: string): Promise<Agency | null> {
      const r = await db.selectFrom('agency').selectAll().where('name', '=', name).executeTakeFirst();
      return r ? toAgency(r) : null;
    },
    async findOperator(): Promise<Agency | null> {
      const r = await db.selectFrom('agency').selectAll().where('operator', '=', 1).orderBy('created_at').executeTakeFirst();
      return r ? toAgency(r) : null;
    },
    async insert(a: Agency): Promise<void> {
      await db
        .insertInto('agency')
        .values({ agency_id: a.id, name: a.name, kind: a.kind, operator: a.operator ? 1 : 0, created_at: a.createdAt })
        .execute();
    },
  };
}

export type AgencyRepository = ReturnType<typeof createAgencyRepository>;
