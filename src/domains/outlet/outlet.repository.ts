/**
 * The outlet registry's rows. Unlike every other repository this one has no agency scope: the
 * registry is one per instance (outlet.service.ts says why), and who changed what is in each
 * agency's audit log. Channels are unique per kind and normal form across the instance.
 */
import type { Kysely, Selectable } from 'kysely';
import type { Database, OutletChannelTable, OutletTable } from '../../adapters/db/schema.ts';
import type { ChannelKind, Outlet, OutletChannel, OutletFields, OutletIdeology } from './outlet.model.ts';

function toChannel(r: Selectable<OutletChannelTable>): OutletChannel {
  return { id: r.channel_id, outletId: r.outlet_id, kind: r.kind as ChannelKind, value: r.value, addedAt: r.added_at, addedBy: r.added_by };
}

function toOutlet(r: Selectable<OutletTable>, channels: OutletChannel[]): Outlet {
  return {
    id: r.outlet_id,
    name: r.name,
    aliases: JSON.parse(r.aliases) as string[],
    parentGroup: r.parent_group,
    ideology: r.ideology as OutletIdeology | null,
    notes: r.notes,
    channels,
    seedKey: r.seed_key,
    editedAt: r.edited_at,
    archivedAt: r.archived_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export interface NewOutlet extends OutletFields {
  id: string;
  nameKey: string;
  seedKey: string | null;
  createdAt: number;
  createdBy: string | null;
}

export type OutletPatch = Partial<OutletFields> & { nameKey?: string; archivedAt?: number | null; editedAt?: number | null };

/** Rolls back an outlet's insert when one of its channels is already known. */
class ChannelTaken extends Error {
  readonly channel: OutletChannel;
  constructor(channel: OutletChannel) {
    super(`channel ${channel.kind}:${channel.value} is already known`);
    this.channel = channel;
  }
}

export function createOutletRepository(db: Kysely<Database>) {
  async function withChannels(rows: Selectable<OutletTable>[]): Promise<Outlet[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.outlet_id);
    const channels = await db.selectFrom('outlet_channel').selectAll().where('outlet_id', 'in', ids).orderBy('kind').orderBy('value').execute();
    const by = new Map<string, OutletChannel[]>();
    for (const c of channels) by.set(c.outlet_id, [...(by.get(c.outlet_id) ?? []), toChannel(c)]);
    return rows.map((r) => toOutlet(r, by.get(r.outlet_id) ?? []));
  }

  return {
    /** Every outlet (the registry is small: hundreds), by name. */
    async list(options: { includeArchived: boolean }): Promise<Outlet[]> {
      let q = db.selectFrom('outlet').selectAll();
      if (!options.includeArchived) q = q.where('archived_at', 'is', null);
      return withChannels(await q.orderBy('name').orderBy('outlet_id').execute());
    },
    async get(outletId: string): Promise<Outlet | null> {
      const r = await db.selectFrom('outlet').selectAll().where('outlet_id', '=', outletId).executeTakeFirst();
      return r ? ((await withChannels([r]))[0] ?? null) : null;
    },
    async findByNameKey(nameKey: string): Promise<Outlet | null> {
      const r = await db.selectFrom('outlet').selectAll().where('name_key', '=', nameKey).executeTakeFirst();
      return r ? ((await withChannels([r]))[0] ?? null) : null;
    },
    async findBySeedKey(seedKey: string): Promise<Outlet | null> {
      const r = await db.selectFrom('outlet').selectAll().where('seed_key', '=', seedKey).executeTakeFirst();
      return r ? ((await withChannels([r]))[0] ?? null) : null;
    },
    async count(): Promise<number> {
      const r = await db.selectFrom('outlet').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
      return Number(r.n);
    },
    /**
     * Inserts an outlet with its channels, all or nothing: `name_taken` when an outlet of that name
     * (by key) or seed key exists, `channel_taken` with the channel when one is already known.
     */
    async insert(o: NewOutlet, channels: readonly OutletChannel[]): Promise<{ ok: true } | { ok: false; reason: 'name_taken' } | { ok: false; reason: 'channel_taken'; channel: OutletChannel }> {
      try {
        return await db.transaction().execute(async (trx) => {
          const res = await trx
            .insertInto('outlet')
            .values({
              outlet_id: o.id,
              name: o.name,
              name_key: o.nameKey,
              aliases: JSON.stringify(o.aliases),
              parent_group: o.parentGroup,
              ideology: o.ideology,
              notes: o.notes,
              seed_key: o.seedKey,
              edited_at: null,
              archived_at: null,
              created_at: o.createdAt,
              created_by: o.createdBy,
              updated_at: o.createdAt,
            })
            .onConflict((oc) => oc.doNothing())
            .returning('outlet_id')
            .execute();
          if (res.length === 0) return { ok: false as const, reason: 'name_taken' as const };
          for (const c of channels) {
            const added = await trx
              .insertInto('outlet_channel')
              .values({ channel_id: c.id, outlet_id: o.id, kind: c.kind, value: c.value, added_at: c.addedAt, added_by: c.addedBy })
              .onConflict((oc) => oc.columns(['kind', 'value']).doNothing())
              .returning('channel_id')
              .execute();
            if (added.length === 0) throw new ChannelTaken(c);
          }
          return { ok: true as const };
        });
      } catch (e) {
        if (e instanceof ChannelTaken) return { ok: false, reason: 'channel_taken', channel: e.channel };
        throw e;
      }
    },
    /** Changes an outlet; `onlyUnedited` makes it a no-op (false) once a person has edited it. */
    async update(outletId: string, patch: OutletPatch, at: number, options: { onlyUnedited?: boolean } = {}): Promise<boolean> {
      let q = db
        .updateTable('outlet')
        .set({
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.nameKey !== undefined ? { name_key: patch.nameKey } : {}),
          ...(patch.aliases !== undefined ? { aliases: JSON.stringify(patch.aliases) } : {}),
          ...(patch.parentGroup !== undefined ? { parent_group: patch.parentGroup } : {}),
          ...(patch.ideology !== undefined ? { ideology: patch.ideology } : {}),
          ...(patch.notes !== undefined ? { notes: patch.notes } : {}),
          ...(patch.archivedAt !== undefined ? { archived_at: patch.archivedAt } : {}),
          ...(patch.editedAt !== undefined ? { edited_at: patch.editedAt } : {}),
          updated_at: at,
        })
        .where('outlet_id', '=', outletId);
      if (options.onlyUnedited) q = q.where('edited_at', 'is', null);
      const res = await q.executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    async findChannel(kind: ChannelKind, value: string): Promise<OutletChannel | null> {
      const r = await db.selectFrom('outlet_channel').selectAll().where('kind', '=', kind).where('value', '=', value).executeTakeFirst();
      return r ? toChannel(r) : null;
    },
    /** Adds a channel and marks the outlet edited, at once; false if the channel is already known. */
    async insertChannel(c: OutletChannel): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const res = await trx
          .insertInto('outlet_channel')
          .values({ channel_id: c.id, outlet_id: c.outletId, kind: c.kind, value: c.value, added_at: c.addedAt, added_by: c.addedBy })
          .onConflict((oc) => oc.columns(['kind', 'value']).doNothing())
          .returning('channel_id')
          .execute();
        if (res.length === 0) return false;
        await trx.updateTable('outlet').set({ edited_at: c.addedAt, updated_at: c.addedAt }).where('outlet_id', '=', c.outletId).execute();
        return true;
      });
    },
    /** Removes one of an outlet's channels and marks the outlet edited; false if it has no such channel. */
    async deleteChannel(outletId: string, channelId: string, at: number): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const res = await trx.deleteFrom('outlet_channel').where('outlet_id', '=', outletId).where('channel_id', '=', channelId).executeTakeFirst();
        if (Number(res.numDeletedRows) === 0) return false;
        await trx.updateTable('outlet').set({ edited_at: at, updated_at: at }).where('outlet_id', '=', outletId).execute();
        return true;
      });
    },
  };
}

export type OutletRepository = ReturnType<typeof createOutletRepository>;
