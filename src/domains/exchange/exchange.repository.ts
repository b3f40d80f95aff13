/** Import runs of hash-list files, scoped to one agency. */
import type { Kysely, Selectable } from 'kysely';
import type { BankImportTable, Database } from '../../adapters/db/schema.ts';
import type { ExchangeFormat } from './exchange.model.ts';

export interface ImportRun {
  id: string;
  bankId: string;
  format: ExchangeFormat;
  source: string;
  fileSha256: string;
  fileBytes: number;
  /** The TCAP checkpoint the file reached (`<unix_ts>,<id>`); null for other formats. */
  checkpoint: string | null;
  added: number;
  duplicate: number;
  removed: number;
  rejected: number;
  skipped: number;
  actor: string;
  createdAt: number;
}

function toRun(r: Selectable<BankImportTable>): ImportRun {
  return {
    id: r.import_id,
    bankId: r.bank_id,
    format: r.format as ExchangeFormat,
    source: r.source,
    fileSha256: r.file_sha256,
    fileBytes: Number(r.file_bytes),
    checkpoint: r.checkpoint,
    added: r.added,
    duplicate: r.duplicate,
    removed: r.removed,
    rejected: r.rejected,
    skipped: r.skipped,
    actor: r.actor,
    createdAt: Number(r.created_at),
  };
}

export function createExchangeRepository(db: Kysely<Database>, agencyId: string) {
  return {
    async insertRun(run: ImportRun): Promise<void> {
      await db
        .insertInto('bank_import')
        .values({
          import_id: run.id,
          agency_id: agencyId,
          bank_id: run.bankId,
          format: run.format,
          source: run.source,
          file_sha256: run.fileSha256,
          file_bytes: run.fileBytes,
          checkpoint: run.checkpoint,
          added: run.added,
          duplicate: run.duplicate,
          removed: run.removed,
          rejected: run.rejected,
          skipped: run.skipped,
          actor: run.actor,
          created_at: run.createdAt,
        })
        .execute();
    },
    /** The agency's import runs into a bank, newest first. */
    async runs(bankId: string, limit: number): Promise<ImportRun[]> {
      const rows = await db.selectFrom('bank_import').selectAll().where('agency_id', '=', agencyId).where('bank_id', '=', bankId).orderBy('created_at', 'desc').orderBy('import_id', 'desc').limit(limit).execute();
      return rows.map(toRun);
    },
  };
}

export type ExchangeRepository = ReturnType<typeof createExchangeRepository>;
