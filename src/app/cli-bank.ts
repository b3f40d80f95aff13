/**
 * `vigil bank`: hash banks from the command line, acting for one agency: list, create, show, add
 * signals, disable and enable entries, and import or export hash-list files.
 */
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { Option, type Command } from 'commander';
import { agencyActor, EXIT_FAILED, findAgency, out, UsageError, withRuntime } from './cli-common.ts';
import type { Runtime } from './runtime.ts';
import { BANK_KINDS, formatSignal, isSignalKind, parseSignal, signalKey, SIGNAL_KINDS, TIERS, type BankKind, type SignalKind } from '../domains/bank/bank.model.ts';
import type { BankSummary, EntryInput } from '../domains/bank/bank.service.ts';
import { EXCHANGE_FORMATS, type ExchangeFormat } from '../domains/exchange/exchange.model.ts';

type Services = ReturnType<typeof agencyActor>;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

async function actorFor(rt: Runtime, agency: string): Promise<Services> {
  const a = await findAgency(rt, agency);
  return agencyActor(rt, a.id);
}

/** A bank by id, or by name (the agency's own banks first, then banks shared with it). */
async function findBank(s: Services, ref: string): Promise<BankSummary> {
  const list = await s.banks().list();
  const found = UUID_RE.test(ref) ? list.find((b) => b.bank.id === ref.toLowerCase()) : list.find((b) => b.bank.name === ref);
  if (!found) throw new UsageError(`no bank with id or name "${ref}" for this agency (see vigil bank list)`);
  return found;
}

function kindOption(v: string | undefined): SignalKind | null {
  if (v === undefined) return null;
  if (!isSignalKind(v)) throw new UsageError(`--kind must be one of ${SIGNAL_KINDS.join(', ')}`);
  return v;
}

const bankLine = (b: BankSummary) => `${b.bank.id}  ${b.bank.kind.padEnd(8)}  ${String(b.entryCount).padStart(7)} entries  ${b.bank.name}${b.readOnly ? `  (shared by ${b.ownerAgencyName}, read-only)` : ''}${b.bank.enabled ? '' : '  (disabled)'}`;

/** An entry by id, or by its signal (`kind:value`, or the bare value with --kind). */
async function findEntryId(s: Services, bankId: string, ref: string, kind: SignalKind | null): Promise<string> {
  if (UUID_RE.test(ref)) return ref.toLowerCase();
  const parsed = parseSignal(kind, ref);
  if (!parsed.ok) throw new UsageError(`"${ref.slice(0, 80)}" is neither an entry id nor a signal: ${parsed.reason}`);
  const key = signalKey(parsed.kind, parsed.value, sha256Hex);
  const found = await s.bankRepository().existingSignals(bankId, [{ kind: parsed.kind, valueKey: key }]);
  const id = found.get(`${parsed.kind}:${key}`);
  if (!id) throw new UsageError(`the bank holds no ${formatSignal(parsed.kind, parsed.value).slice(0, 90)}`);
  return id;
}

/** Writes an export; a reader that goes away (`vigil bank export … | head`) ends it quietly, any other write error fails. */
async function writeAll(stream: NodeJS.WritableStream, body: AsyncIterable<string>): Promise<number> {
  let failure: NodeJS.ErrnoException | null = null;
  stream.on('error', (e: NodeJS.ErrnoException) => {
    failure ??= e;
  });
  let bytes = 0;
  for await (const chunk of body) {
    if (failure) break;
    bytes += Buffer.byteLength(chunk);
    if (!stream.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          stream.off('drain', done);
          stream.off('error', done);
          resolve();
        };
        stream.on('drain', done);
        stream.on('error', done);
      });
    }
  }
  const failed = failure as NodeJS.ErrnoException | null;
  if (failed && failed.code !== 'EPIPE') throw failed;
  return bytes;
}

export function registerBankCommands(program: Command): void {
  const bank = program.command('bank').description('Hash banks: signals with provenance and labels, and hash-list import and export');

  bank
    .command('list')
    .description('Banks of an agency, then banks shared with it')
    .requiredOption('--agency <id|name>', 'the agency')
    .option('--json', 'machine-readable output')
    .action(async (opts: { agency: string; json?: boolean }) =>
      withRuntime(async (rt) => {
        const list = await (await actorFor(rt, opts.agency)).banks().list();
        out(Boolean(opts.json), list, () => list.map(bankLine).join('\n') || 'no banks');
      }),
    );

  bank
    .command('create')
    .description('Create a bank: positive (hits make matches) or negative (hits suppress them)')
    .requiredOption('--agency <id|name>', 'the agency that owns it')
    .requiredOption('--name <name>', 'unique within the agency')
    .addOption(new Option('--kind <kind>', 'kind of bank').choices(BANK_KINDS).default('positive'))
    .option('--description <text>', 'what the bank holds')
    .option('--json', 'machine-readable output')
    .action(async (opts: { agency: string; name: string; kind: BankKind; description?: string; json?: boolean }) =>
      withRuntime(async (rt) => {
        const b = await (await actorFor(rt, opts.agency)).banks().create({ name: opts.name, kind: opts.kind, ...(opts.description !== undefined ? { description: opts.description } : {}) });
        out(Boolean(opts.json), b, () => `created bank ${b.bank.name} (${b.bank.kind}) ${b.bank.id}`);
      }),
    );

  bank
    .command('show')
    .description('One bank: settings, entry count, shares, and its latest imports')
    .argument('<bank>', 'bank id or name')
    .requiredOption('--agency <id|name>', 'the agency')
    .option('--json', 'machine-readable output')
    .action(async (ref: string, opts: { agency: string; json?: boolean }) =>
      withRuntime(async (rt) => {
        const s = await actorFor(rt, opts.agency);
        const b = await findBank(s, ref);
        const imports = b.readOnly ? [] : await s.exchange().importRuns(b.bank.id);
        out(Boolean(opts.json), { ...b, imports }, () =>
          [
            bankLine(b),
            `thresholds: pdq ${b.bank.pdqDistance}, vpdq ${b.bank.vpdqDistance} (${b.bank.vpdqQueryMatchPercent}%/${b.bank.vpdqComparedMatchPercent}%), simhash ${b.bank.simhashDistance}; flood ${b.bank.floodMaxItemsPerHour}/h`,
            ...(b.sharedWith?.length ? [`shared with: ${b.sharedWith.map((x) => x.agencyName).join(', ')}`] : []),
            ...imports.slice(0, 10).map((r) => `import ${new Date(r.createdAt).toISOString()} ${r.format} from ${r.source}: added ${r.added}, duplicate ${r.duplicate}, removed ${r.removed}, rejected ${r.rejected}${r.checkpoint ? `, checkpoint ${r.checkpoint}` : ''}`),
          ].join('\n'),
        );
      }),
    );

  bank
    .command('add')
    .description('Add signals (kind:value, or bare values with --kind) to a bank the agency owns')
    .argument('<bank>', 'bank id or name')
    .argument('<signal...>', 'one or more signals')
    .requiredOption('--agency <id|name>', 'the agency that owns the bank')
    .option('--kind <kind>', `kind of bare values: ${SIGNAL_KINDS.join(', ')}`)
    .option('--source <source>', 'where the signals come from (default manual)')
    .option('--outlet <name>', 'outlet label')
    .option('--group <name>', 'group label')
    .option('--ideology <name>', 'ideology label')
    .addOption(new Option('--tier <tier>', 'severity tier').choices(TIERS))
    .option('--json', 'machine-readable output')
    .action(async (ref: string, signals: string[], opts: { agency: string; kind?: string; source?: string; outlet?: string; group?: string; ideology?: string; tier?: string; json?: boolean }) =>
      withRuntime(async (rt) => {
        const s = await actorFor(rt, opts.agency);
        const b = await findBank(s, ref);
        const kind = kindOption(opts.kind);
        const labels = { ...(opts.outlet ? { outlet: opts.outlet } : {}), ...(opts.group ? { group: opts.group } : {}), ...(opts.ideology ? { ideology: opts.ideology } : {}), ...(opts.tier ? { tier: opts.tier } : {}) };
        const inputs: EntryInput[] = signals.map((value) => ({ value, ...(kind ? { kind } : {}), ...(opts.source ? { source: opts.source } : {}), labels }));
        const r = await s.banks().addEntries(b.bank.id, inputs);
        out(Boolean(opts.json), r, () =>
          [...r.results.map((x) => `${x.outcome.padEnd(9)} ${signals[x.index]!.slice(0, 100)}${x.entryId ? `  (entry ${x.entryId})` : ''}${x.outcome === 'rejected' ? `: ${x.code}: ${x.reason}` : ''}`), `added ${r.added}, duplicate ${r.duplicate}, rejected ${r.rejected}`].join('\n'),
        );
        if (r.rejected) process.exitCode = EXIT_FAILED;
      }),
    );

  for (const [name, enabled] of [
    ['disable', false],
    ['enable', true],
  ] as const) {
    bank
      .command(name)
      .description(`${enabled ? 'Enable' : 'Disable'} an entry of a bank the agency owns`)
      .argument('<bank>', 'bank id or name')
      .argument('<entry>', 'entry id, or its signal (kind:value, or the bare value with --kind)')
      .requiredOption('--agency <id|name>', 'the agency that owns the bank')
      .option('--kind <kind>', 'kind of a bare value')
      .option('--json', 'machine-readable output')
      .action(async (ref: string, entryRef: string, opts: { agency: string; kind?: string; json?: boolean }) =>
        withRuntime(async (rt) => {
          const s = await actorFor(rt, opts.agency);
          const b = await findBank(s, ref);
          const entryId = await findEntryId(s, b.bank.id, entryRef, kindOption(opts.kind));
          const e = await s.banks().updateEntry(b.bank.id, entryId, { enabled });
          out(Boolean(opts.json), e, () => `${e.enabled ? 'enabled' : 'disabled'} ${formatSignal(e.kind, e.value).slice(0, 100)}  (entry ${e.id})`);
        }),
      );
  }

  bank
    .command('import')
    .description('Import a hash-list file into a bank the agency owns; prints each problem by line and a summary; exits 1 when rows were rejected')
    .argument('<bank>', 'bank id or name')
    .argument('<file>', 'the file ("-" for standard input)')
    .requiredOption('--agency <id|name>', 'the agency that owns the bank')
    .addOption(new Option('--format <format>', 'file format').choices(EXCHANGE_FORMATS).makeOptionMandatory())
    .option('--kind <kind>', 'kind of bare values (te-text, te-csv, csv)')
    .option('--source <source>', 'provenance of the entries, and the namespace of TCAP ids for tombstones (default: tcap, threatexchange or import)')
    .option('--json', 'the report as JSON (summary and every line)')
    .action(async (ref: string, file: string, opts: { agency: string; format: ExchangeFormat; kind?: string; source?: string; json?: boolean }) =>
      withRuntime(async (rt) => {
        const kind = kindOption(opts.kind);
        const s = await actorFor(rt, opts.agency);
        const b = await findBank(s, ref);
        let total = 0;
        if (file !== '-') {
          try {
            total = statSync(file).size;
          } catch {
            throw new UsageError(`cannot read ${file}`);
          }
        }
        const input = file === '-' ? process.stdin : createReadStream(file);
        const bar = !opts.json && process.stderr.isTTY && total > 0 ? new (await import('cli-progress')).SingleBar({ stream: process.stderr, format: 'import {bar} {percentage}% | {value}/{total} {unit}' }) : null;
        bar?.start(total, 0, { unit: 'bytes read' });
        // The file is read whole first (a refused file changes nothing), then its rows are written.
        let writing = false;
        const onProgress = (done: number, rows: number) => {
          if (!writing) {
            writing = true;
            bar?.setTotal(rows);
          }
          bar?.update(done, { unit: 'rows written' });
        };
        let read = 0;
        async function* counted() {
          for await (const chunk of input) {
            read += (chunk as Buffer).length;
            bar?.update(read);
            yield chunk as Buffer;
          }
        }
        let report;
        try {
          report = await s.exchange().importFile(b.bank.id, counted(), { format: opts.format, kind, source: opts.source ?? null }, onProgress);
        } finally {
          bar?.stop();
        }
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(report)}\n`);
        } else {
          for (const l of report.lines) if (l.outcome !== 'added' && l.outcome !== 'removed') process.stdout.write(`line ${l.line}: ${l.outcome}${l.code ? ` ${l.code}` : ''}${l.reason ? `: ${l.reason}` : ''}\n`);
          const skipped = report.lines.filter((l) => l.outcome === 'skipped').length;
          process.stdout.write(`added ${report.added}, duplicate ${report.duplicate}, removed ${report.removed}, rejected ${report.rejected}, skipped ${skipped}${report.checkpoint ? `; checkpoint ${report.checkpoint}` : ''}\n`);
        }
        if (report.rejected > 0) process.exitCode = EXIT_FAILED;
      }),
    );

  bank
    .command('export')
    .description('Export a bank (the agency’s own or shared with it) as a hash-list file, to standard output or --out')
    .argument('<bank>', 'bank id or name')
    .requiredOption('--agency <id|name>', 'the agency')
    .addOption(new Option('--format <format>', 'file format').choices(EXCHANGE_FORMATS).makeOptionMandatory())
    .option('--after <checkpoint>', 'tcap only: the changes since this checkpoint of an earlier export, removals as deleted: true')
    .option('--out <file>', 'write here instead of standard output')
    .option('--json', 'with --out: print what was written as JSON')
    .action(async (ref: string, opts: { agency: string; format: ExchangeFormat; after?: string; out?: string; json?: boolean }) =>
      withRuntime(async (rt) => {
        const s = await actorFor(rt, opts.agency);
        const b = await findBank(s, ref);
        if (!opts.out) {
          await writeAll(process.stdout, (await s.exchange().exportFile(b.bank.id, opts.format, opts.after ?? null)).body);
          return;
        }
        const stream = createWriteStream(opts.out);
        try {
          await once(stream, 'open');
        } catch (e) {
          throw new UsageError(`cannot write ${opts.out}: ${(e as Error).message}`);
        }
        const file = await s.exchange().exportFile(b.bank.id, opts.format, opts.after ?? null);
        const bytes = await writeAll(stream, file.body);
        stream.end();
        await once(stream, 'close');
        out(Boolean(opts.json), { file: opts.out, format: opts.format, bytes }, () => `wrote ${opts.out}: ${bytes} bytes (${opts.format})`);
      }),
    );
}
