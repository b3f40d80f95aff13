import type { Kysely } from 'kysely';
import type { Database } from '../../adapters/db/schema.ts';
import { formatBlobHash, type BlobInfo } from './blob.model.ts';

/** Blob rows are instance-wide (stored once); what an agency sees is its own references. */
export function createBlobRepository(db: Kysely<Database>, agencyId: string) {
  return {
    async get(sha256: string): Promise<BlobInfo | null> {
      const r = await db
        .selectFrom('blob_ref')
        .innerJoin('blob', 'blob.sha256', 'blob_ref.sha256')
        .select(['blob.sha256', 'blob.size', 'blob_ref.media_type', 'blob_ref.created_at'])
        .where('blob_ref.agency_id', '=', agencyId)
        .where('blob_ref.sha256', '=', sha256)
        .executeTakeFirst();
      return r ? { hash: formatBlobHash(r.sha256), size: r.size, mediaType: r.media_type, createdAt: r.created_at } : null;
    },
    /** Records the blob (once for the instance) and this agency's reference to it; both idempotent. */
    async reference(sha256: string, size: number, mediaType: string | null, userId: string | null, now: number): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        await trx.insertInto('blob').values({ sha256, size, created_at: now }).onConflict((oc) => oc.column('sha256').doNothing()).execute();
        const res = await trx
          .insertInto('blob_ref')
          .values({ agency_id: agencyId, sha256, media_type: mediaType, created_at: now, created_by: userId })
          .onConflict((oc) => oc.columns(['agency_id', 'sha256']).doNothing())
          .executeTakeFirst();
        return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
      });
    },
  };
}

export type BlobRepository = ReturnType<typeof createBlobRepository>;

/** Every stored blob with its recorded size, for `vigil blobs verify` (an operator task across agencies). */
export async function listAllBlobs(db: Kysely<Database>): Promise<{ sha256: string; size: number }[]> {
  return db.selectFrom('blob').select(['sha256', 'size']).orderBy('sha256').execute();
}
