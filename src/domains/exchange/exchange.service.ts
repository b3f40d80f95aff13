/**
 * Hash-list import and export for one agency's banks. An import reads the whole file first (a
 * file refused as a whole changes nothing), then applies its rows in file order through the bank
 * service in batches: adds, duplicates, tombstones that disable entries, and per-line problems.
 * Re-importing a file adds and changes nothing; each run is recorded once, with its file's SHA-256
 * and, for TCAP, the checkpoint it reached. An export streams a bank (yours, or one shared with
 * you) in any format; TCAP exports page by last change, so a partner can pull deltas with `after`.
 */
import { createHash } from 'node:crypto';
import type { Clock, Ids } from '../ports.ts';
import type { AuditLog } from '../audit/audit.service.ts';
import { VigilError } from '../../errors/vigil-error.ts';
import { BANK_BULK_MAX, provenanceProblem, type SignalKind } from '../bank/bank.model.ts';
import type { BankService, EntryInput } from '../bank/bank.service.ts';
import { createExporter, EXPORT_CONTENT_TYPES, exportFilename, parseCheckpoint, parseExchange, type ExchangeFormat, type ExchangeLine, type ExchangeRow } from './exchange.model.ts';
import type { ExchangeRepository, ImportRun } from './exchange.repository.ts';

export interface ExchangeServiceDeps {
  banks: BankService;
  imports: ExchangeRepository;
  audit: AuditLog;
  clock: Clock;
  ids: Ids;
  /** Who runs imports, as the import record names them (`user:…`, `token:…`, `cli:…`). */
  actor: string;
}

/** Provenance `source` of imported entries when the import names none. */
export const DEFAULT_SOURCES: Record<ExchangeFormat, string> = { tcap: 'tcap', 'te-text': 'threatexchange', 'te-csv': 'threatexchange', csv: 'import' };
/** Entries read a page at a time while exporting. */
export const EXPORT_PAGE_SIZE = 1000;
export const IMPORT_RUNS_MAX = 100;

export type ImportOutcome = 'added' | 'duplicate' | 'removed' | 'rejected' | 'skipped';

export interface ImportLine {
  line: number;
  outcome: ImportOutcome;
  code: string | null;
  reason: string | null;
}

export interface ImportReport {
  added: number;
  duplicate: number;
  removed: number;
  rejected: number;
  /** The TCAP checkpoint of the file's last page, to pass as `after` next time; null for other formats. */
  checkpoint: string | null;
  lines: ImportLine[];
}

export interface ImportOptions {
  format: ExchangeFormat;
  /** The kind of bare values. */
  kind?: SignalKind | null;
  /** Provenance of the entries (and the namespace of TCAP ids for tombstones); DEFAULT_SOURCES otherwise. */
  source?: string | null;
}

export interface ExportFile {
  filename: string;
  contentType: string;
  body: AsyncGenerator<string>;
}

export function createExchangeService(deps: ExchangeServiceDeps) {
  const { banks, clock } = deps;

  return {
    /**
     * Imports a hash-list file into a bank the agency owns. `onProgress` hears rows applied of rows
     * read, after each batch.
     */
    async importFile(bankId: string, input: AsyncIterable<Uint8Array | string>, options: ImportOptions, onProgress?: (done: number, total: number) => void): Promise<ImportReport> {
      const bank = await banks.get(bankId);
      if (bank.readOnly) throw new VigilError('VIGIL_BANK_READ_ONLY', `Bank ${bank.bank.name} is shared with your agency by ${bank.ownerAgencyName}; only its owner can import into it.`);
      const explicitSource = options.source?.trim() || null;
      const source = explicitSource ?? DEFAULT_SOURCES[options.format];
      const sourceProblem = provenanceProblem('source', source);
      if (sourceProblem) throw new VigilError('VIGIL_EXCHANGE_INVALID', `The ${sourceProblem}.`);

      const sha256 = createHash('sha256');
      let bytes = 0;
      async function* hashed(): AsyncGenerator<Uint8Array | string> {
        for await (const chunk of input) {
          sha256.update(chunk);
          bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
          yield chunk;
        }
      }
      const parsed = parseExchange(hashed(), options.format, { kind: options.kind ?? null });
      // Every line is read before anything is written: a file refused part-way changes nothing.
      const lines: ExchangeLine[] = [];
      for await (const l of parsed.lines) lines.push(l);

      // Each outcome keeps its row's place in the file: rows of one TCAP line are many, and batches report late.
      const outcomes: (ImportLine & { order: number })[] = [];
      const importer = `exchange:${options.format}`;
      const firstLineOf = new Map<string, number>();
      let adds: { row: ExchangeRow; order: number }[] = [];
      let tombstones: { row: ExchangeRow; order: number }[] = [];
      let done = 0;
      const progress = () => onProgress?.(done, lines.length);

      const flushAdds = async () => {
        if (adds.length === 0) return;
        const batch = adds;
        adds = [];
        const inputs: EntryInput[] = batch.map(({ row: r }) => ({ kind: r.signal.kind, value: r.signal.value, source: explicitSource ?? r.source ?? source, externalId: r.externalId, importer, labels: r.labels }));
        const report = await banks.addEntries(bankId, inputs, { audit: false });
        for (const res of report.results) {
          const { row, order } = batch[res.index]!;
          outcomes.push(
            res.outcome === 'added'
              ? { line: row.line, order, outcome: 'added', code: null, reason: null }
              : { line: row.line, order, outcome: res.outcome, code: res.code, reason: res.outcome === 'duplicate' ? 'the bank already holds this signal' : res.reason },
          );
        }
        done += batch.length;
        progress();
      };
      const flushTombstones = async () => {
        if (tombstones.length === 0) return;
        const batch = tombstones;
        tombstones = [];
        const results = await banks.removeEntries(
          bankId,
          batch.map(({ row: r }) => ({ kind: r.signal.kind, value: r.signal.value, externalId: r.externalId, source })),
        );
        results.forEach((res, i) => {
          const { row, order } = batch[i]!;
          const at = { line: row.line, order };
          if (res.outcome === 'removed') outcomes.push({ ...at, outcome: 'removed', code: null, reason: null });
          else if (res.outcome === 'already') outcomes.push({ ...at, outcome: 'skipped', code: 'VIGIL_EXCHANGE_ALREADY_REMOVED', reason: 'the entry is already disabled' });
          else outcomes.push({ ...at, outcome: 'skipped', code: 'VIGIL_EXCHANGE_TOMBSTONE_UNKNOWN', reason: 'the bank holds no entry with this id or signal to remove' });
        });
        done += batch.length;
        progress();
      };

      // File order matters where a signal is added and later removed (TCAP deltas), so a run of
      // adds is written before the tombstone that follows it, and the other way round.
      for (const [order, l] of lines.entries()) {
        if (!l.ok) {
          outcomes.push({ line: l.line, order, outcome: l.skipped ? 'skipped' : 'rejected', code: l.code, reason: l.reason });
          done++;
          continue;
        }
        if (l.opinion !== null && l.opinion !== bank.bank.kind) {
          outcomes.push({ line: l.line, order, outcome: 'skipped', code: 'VIGIL_EXCHANGE_OPINION_MISMATCH', reason: `the row is a ${l.opinion} opinion and the bank is ${bank.bank.kind}` });
          done++;
          continue;
        }
        if (l.deleted) {
          await flushAdds();
          tombstones.push({ row: l, order });
          if (tombstones.length >= BANK_BULK_MAX) await flushTombstones();
          continue;
        }
        await flushTombstones();
        const key = `${l.signal.kind}:${l.signal.value}`;
        const first = firstLineOf.get(key);
        if (first !== undefined) {
          outcomes.push({ line: l.line, order, outcome: 'duplicate', code: 'VIGIL_BANK_ENTRY_DUPLICATE', reason: `the same signal is on line ${first}` });
          done++;
          continue;
        }
        firstLineOf.set(key, l.line);
        adds.push({ row: l, order });
        if (adds.length >= BANK_BULK_MAX) await flushAdds();
      }
      await flushAdds();
      await flushTombstones();
      progress();

      outcomes.sort((a, b) => a.line - b.line || a.order - b.order);
      const count = (o: ImportOutcome) => outcomes.filter((x) => x.outcome === o).length;
      const report: ImportReport = {
        added: count('added'),
        duplicate: count('duplicate'),
        removed: count('removed'),
        rejected: count('rejected'),
        checkpoint: parsed.checkpoint(),
        lines: outcomes.map(({ order: _order, ...l }) => l),
      };
      const run: ImportRun = {
        id: deps.ids.next(),
        bankId,
        format: options.format,
        source,
        fileSha256: sha256.digest('hex'),
        fileBytes: bytes,
        checkpoint: report.checkpoint,
        added: report.added,
        duplicate: report.duplicate,
        removed: report.removed,
        rejected: report.rejected,
        skipped: count('skipped'),
        actor: deps.actor,
        createdAt: clock.now(),
      };
      await deps.imports.insertRun(run);
      const { id: importId, bankId: _b, actor: _a, createdAt: _c, ...detail } = run;
      await deps.audit.record({ action: 'bank.import', targetType: 'bank', targetId: bankId, detail: { importId, ...detail } });
      return report;
    },

    /** The agency's import runs into a bank, newest first. */
    async importRuns(bankId: string): Promise<ImportRun[]> {
      await banks.get(bankId);
      return deps.imports.runs(bankId, IMPORT_RUNS_MAX);
    },

    /**
     * A bank as a file. Without `after`, the entries active now; with `after` (TCAP only: a
     * checkpoint from an earlier export), every entry changed since, inactive ones as tombstones.
     */
    async exportFile(bankId: string, format: ExchangeFormat, after: string | null = null): Promise<ExportFile> {
      const bank = await banks.get(bankId);
      if (after !== null && format !== 'tcap') throw new VigilError('VIGIL_EXCHANGE_INVALID', `Only a tcap export takes a checkpoint (after); ${format} has no tombstones to carry deletions.`);
      const cursor = after === null ? null : parseCheckpoint(after);
      if (after !== null && !cursor) throw new VigilError('VIGIL_EXCHANGE_INVALID', 'The checkpoint (after) is not <unix_ts>,<id> as a tcap export gives it.');
      await deps.audit.record({ action: 'bank.export', targetType: 'bank', targetId: bankId, detail: { name: bank.bank.name, format, after } });
      const exporter = createExporter(format, { name: bank.bank.name, kind: bank.bank.kind }, after);
      const activeOnly = cursor === null;
      async function* body(): AsyncGenerator<string> {
        yield exporter.head();
        let from = cursor;
        for (;;) {
          const page = await banks.entriesByChange(bankId, { after: from, activeOnly, limit: EXPORT_PAGE_SIZE });
          const now = clock.now();
          let text = '';
          for (const e of page) text += exporter.entry(e, now);
          if (text !== '') yield text;
          const last = page.at(-1);
          if (!last || page.length < EXPORT_PAGE_SIZE) break;
          from = { at: last.updatedAt, id: last.id };
        }
        yield exporter.tail();
      }
      return { filename: exportFilename(bank.bank.name, format), contentType: EXPORT_CONTENT_TYPES[format], body: body() };
    },
  };
}

export type ExchangeService = ReturnType<typeof createExchangeService>;
