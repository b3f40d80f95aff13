#!/usr/bin/env node
/**
 * `vigil`: the command line. Each command opens what it needs from the same Config as the server,
 * speaks JSON with --json, and exits 0 on success, 1 when the work failed or found a problem, and
 * 2 on bad arguments or refused input.
 */
import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { registerHashCommands } from './cli-hash.ts';
import { registerReviewCommands } from './cli-review.ts';
import { registerOutletCommands } from './cli-outlet.ts';
import { registerBankCommands } from './cli-bank.ts';
import { registerReferralCommands } from './cli-referral.ts';
import { registerOrderCommands } from './cli-order.ts';
import { agencyActor, cliActor, EXIT_FAILED, EXIT_OK, EXIT_USAGE, findAgency, out, parseList, UsageError, withRuntime } from './cli-common.ts';
import { ConfigError, loadConfig } from './config.ts';
import { ensureFirstAdmin } from './runtime.ts';
import { isVigilError } from '../errors/vigil-error.ts';
import { isAgencyKind, AGENCY_KINDS } from '../domains/agency/agency.model.ts';
import { isRole, ROLES, isPermission, PERMISSIONS, type Role, type Permission, permissionsOf } from '../domains/auth/auth.model.ts';
import { normaliseEmail } from '../domains/auth/user.model.ts';
import { createUserRepository } from '../domains/auth/user.repository.ts';
import { createCredentialRepository } from '../domains/auth/credential.repository.ts';
import { createAuditRepository } from '../domains/audit/audit.repository.ts';
import { queryAudit } from '../domains/audit/audit.service.ts';
import { AUDIT_PAGE_MAX } from '../domains/audit/audit.model.ts';
import { listAllBlobs } from '../domains/blob/blob.repository.ts';
import { formatBlobHash } from '../domains/blob/blob.model.ts';
import { startServer } from './serve.ts';
import type { CustodyVerification } from '../domains/custody/custody.service.ts';
import { startWorkerProcess } from './worker.ts';
import { randomBytes } from 'node:crypto';

/** Command groups that live in their own `cli-*.ts` files. */
function registerCommandGroups(program: Command): void {
  registerHashCommands(program);
  registerReviewCommands(program);
  registerOutletCommands(program);
  registerBankCommands(program);
  registerReferralCommands(program);
  registerOrderCommands(program);
}

function readPasswordFromStdin(): string {
  const text = readFileSync(0, 'utf8');
  const line = text.split(/\r?\n/)[0] ?? '';
  if (!line) throw new UsageError('--password-stdin: standard input was empty');
  return line;
}

function generatedPassword(): string {
  return randomBytes(18).toString('base64url');
}

export function buildCli(): Command {
  const program = new Command('vigil')
    .description('Vigil: find, preserve, verify, refer and remove terrorist content.')
    .version(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version as string)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  program
    .command('serve')
    .description('Migrate the database, create the first admin on an empty instance, and serve the API and web UI (with the job worker inline)')
    .action(async () => {
      await startServer(loadConfig());
    });

  program
    .command('worker')
    .description('Run a job worker process (PostgreSQL: start as many as you like)')
    .option('--concurrency <n>', 'jobs run at once', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 64) throw new UsageError('--concurrency must be a whole number from 1 to 64');
      return n;
    })
    .action(async (opts: { concurrency?: number }) => {
      await startWorkerProcess(loadConfig(), opts.concurrency);
    });

  program
    .command('migrate')
    .description('Apply pending database migrations')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const config = loadConfig();
      const { openDatabase } = await import('../adapters/db/database.ts');
      const { migrateToLatest } = await import('../adapters/db/migrator.ts');
      const h = openDatabase(config.databaseUrl);
      try {
        const r = await migrateToLatest(h.db, h.dialect);
        out(Boolean(opts.json), { database: h.description, ...r }, () => (r.applied.length ? `applied: ${r.applied.join(', ')}` : `up to date (${r.alreadyApplied.length} migrations) on ${h.description}`));
      } finally {
        await h.close();
      }
    });

  program
    .command('setup')
    .description('Create the data folder, migrate, and create the first admin if the instance is empty (prints the login once)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) =>
      withRuntime(async (rt, config) => {
        const admin = await ensureFirstAdmin(rt.platform);
        out(Boolean(opts.json), { dataDir: config.dataDir, database: rt.handle.description, firstAdmin: admin }, () =>
          [
            `data folder: ${config.dataDir}`,
            `database:    ${rt.handle.description}`,
            admin
              ? `first admin: ${admin.email}${admin.generatedPassword ? `  password: ${admin.generatedPassword}  (shown once; change it after logging in)` : ' (password from VIGIL_ADMIN_PASSWORD)'}`
              : 'first admin: already set up',
          ].join('\n'),
        );
      }),
    );

  const agency = program.command('agency').description('Agencies (tenants)');
  agency
    .command('create')
    .description('Create an agency')
    .requiredOption('--name <name>', 'unique name')
    .addOption(new Option('--kind <kind>', 'kind of agency').choices(AGENCY_KINDS).makeOptionMandatory())
    .option('--json', 'machine-readable output')
    .action(async (opts: { name: string; kind: string; json?: boolean }) =>
      withRuntime(async (rt) => {
        if (!isAgencyKind(opts.kind)) throw new UsageError(`--kind must be one of ${AGENCY_KINDS.join(', ')}`);
        if (!opts.name.trim() || opts.name.length > 200) throw new UsageError('--name must be 1 to 200 characters');
        const a = await rt.platform.systemScope(cliActor(), null).agencies().create({ name: opts.name, kind: opts.kind });
        out(Boolean(opts.json), a, () => `created agency ${a.name} (${a.kind}) ${a.id}`);
      }),
    );
  agency
    .command('list')
    .description('List agencies')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) =>
      withRuntime(async (rt) => {
        const list = await rt.platform.agencies.list();
        out(Boolean(opts.json), list, () => list.map((a) => `${a.id}  ${a.kind.padEnd(9)}  ${a.name}${a.operator ? '  (operator)' : ''}`).join('\n') || 'no agencies');
      }),
    );

  const user = program.command('user').description('Users');
  user
    .command('create')
    .description('Create a user; the password is read from stdin with --password-stdin, otherwise generated and printed once')
    .requiredOption('--agency <id|name>', 'the agency the user belongs to')
    .requiredOption('--email <email>', 'login e-mail')
    .requiredOption('--roles <roles>', `comma-separated: ${ROLES.join(', ')}`)
    .option('--name <display name>', 'display name')
    .option('--password-stdin', 'read the password from the first line of standard input')
    .option('--json', 'machine-readable output')
    .action(async (opts: { agency: string; email: string; roles: string; name?: string; passwordStdin?: boolean; json?: boolean }) =>
      withRuntime(async (rt) => {
        const roles = parseList<Role>(opts.roles, ROLES, 'role', isRole);
        if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(opts.email)) throw new UsageError(`--email "${opts.email}" is not an e-mail address`);
        const a = await findAgency(rt, opts.agency);
        const password = opts.passwordStdin ? readPasswordFromStdin() : generatedPassword();
        const u = await rt.platform.systemScope(cliActor(), a.id).usersOf(a.id).create({ email: opts.email, displayName: opts.name ?? opts.email, password, roles });
        out(Boolean(opts.json), { user: u, ...(opts.passwordStdin ? {} : { generatedPassword: password }) }, () => `created ${u.email} in ${a.name} with roles ${u.roles.join(', ')}${opts.passwordStdin ? '' : `\npassword: ${password}  (shown once)`}`);
      }),
    );
  user
    .command('list')
    .description('List users (of one agency, or all)')
    .option('--agency <id|name>', 'only this agency')
    .option('--json', 'machine-readable output')
    .action(async (opts: { agency?: string; json?: boolean }) =>
      withRuntime(async (rt) => {
        const agencies = opts.agency ? [await findAgency(rt, opts.agency)] : await rt.platform.agencies.list();
        const rows: (Awaited<ReturnType<ReturnType<typeof createUserRepository>['list']>>[number] & { agencyName: string })[] = [];
        for (const a of agencies) for (const u of await createUserRepository(rt.platform.db, a.id).list()) rows.push({ ...u, agencyName: a.name });
        out(Boolean(opts.json), rows, () => rows.map((u) => `${u.id}  ${u.email.padEnd(32)}  ${u.agencyName}  [${u.roles.join(',')}]${u.disabled ? ' disabled' : ''}`).join('\n') || 'no users');
      }),
    );
  user
    .command('reset-password')
    .description('Set a new password (ends the user’s sessions, clears a lockout)')
    .requiredOption('--email <email>', 'the user')
    .option('--password-stdin', 'read the password from the first line of standard input')
    .option('--json', 'machine-readable output')
    .action(async (opts: { email: string; passwordStdin?: boolean; json?: boolean }) =>
      withRuntime(async (rt) => {
        const found = await createCredentialRepository(rt.platform.db).findLogin(normaliseEmail(opts.email));
        if (!found) throw new UsageError(`no user with e-mail ${opts.email}`);
        const password = opts.passwordStdin ? readPasswordFromStdin() : generatedPassword();
        await rt.platform.systemScope(cliActor(), found.user.agencyId).usersOf(found.user.agencyId).resetPassword(found.user.id, password);
        out(Boolean(opts.json), { userId: found.user.id, ...(opts.passwordStdin ? {} : { generatedPassword: password }) }, () => `password reset for ${found.user.email}${opts.passwordStdin ? '' : `\npassword: ${password}  (shown once)`}`);
      }),
    );

  const token = program.command('token').description('API tokens for machines');
  token
    .command('create')
    .description('Create an API token acting as a user; the secret is printed once')
    .requiredOption('--user <email>', 'the user the token acts as')
    .requiredOption('--name <name>', 'what the token is for')
    .requiredOption('--scopes <scopes>', `comma-separated permissions: ${PERMISSIONS.join(', ')}`)
    .option('--days <n>', 'lifetime in days (default 90, at most 366)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { user: string; name: string; scopes: string; days?: string; json?: boolean }) =>
      withRuntime(async (rt) => {
        const scopes = parseList<Permission>(opts.scopes, PERMISSIONS, 'scope', isPermission);
        const days = opts.days === undefined ? undefined : Number(opts.days);
        if (days !== undefined && !Number.isInteger(days)) throw new UsageError('--days must be a whole number');
        const found = await createCredentialRepository(rt.platform.db).findLogin(normaliseEmail(opts.user));
        if (!found) throw new UsageError(`no user with e-mail ${opts.user}`);
        const a = await rt.platform.agencies.get(found.user.agencyId);
        const perms = permissionsOf(found.user.roles, a?.operator ?? false);
        const r = await rt.platform
          .systemScope(cliActor(), found.user.agencyId)
          .tokensOf(found.user.agencyId)
          .create({ userId: found.user.id, permissions: perms }, { name: opts.name, scopes, ...(days !== undefined ? { expiresInDays: days } : {}) });
        out(Boolean(opts.json), r, () => `token ${r.token.id} (${r.token.prefix}) for ${found.user.email}, expires ${new Date(r.token.expiresAt).toISOString()}\nsecret: ${r.secret}  (shown once)`);
      }),
    );
  token
    .command('revoke')
    .description('Revoke an API token by id')
    .argument('<tokenId>', 'the token id')
    .option('--json', 'machine-readable output')
    .action(async (tokenId: string, opts: { json?: boolean }) =>
      withRuntime(async (rt) => {
        const row = await rt.platform.db.selectFrom('api_token').select(['agency_id', 'user_id']).where('api_token_id', '=', tokenId).executeTakeFirst();
        if (!row) throw new UsageError(`no token ${tokenId}`);
        const t = await rt.platform.systemScope(cliActor(), row.agency_id).tokensOf(row.agency_id).revoke(tokenId, { userId: row.user_id, canManageOthers: true });
        out(Boolean(opts.json), t, () => `revoked ${t.id} (${t.prefix})`);
      }),
    );

  const audit = program.command('audit').description('The audit log');
  audit
    .command('export')
    .description('Write the audit log, oldest first (JSON lines with --json, else a table)')
    .option('--agency <id|name>', 'only this agency (default: the whole instance)')
    .option('--action <action>', 'only this action')
    .option('--since <iso date>', 'only events at or after this time')
    .option('--json', 'JSON lines, one event each')
    .action(async (opts: { agency?: string; action?: string; since?: string; json?: boolean }) =>
      withRuntime(async (rt) => {
        const agencyId = opts.agency ? (await findAgency(rt, opts.agency)).id : null;
        const from = opts.since === undefined ? undefined : Date.parse(opts.since);
        if (from !== undefined && Number.isNaN(from)) throw new UsageError(`--since "${opts.since}" is not a date`);
        const repo = createAuditRepository(rt.platform.db, agencyId);
        const events = [];
        let before: string | undefined;
        for (;;) {
          const page = await queryAudit(repo, { ...(opts.action ? { action: opts.action } : {}), ...(from !== undefined ? { from } : {}), ...(before ? { before } : {}), limit: AUDIT_PAGE_MAX });
          events.push(...page.events);
          if (!page.nextBefore) break;
          before = page.nextBefore;
        }
        events.reverse();
        await rt.platform.systemScope(cliActor(), agencyId).audit.record({ action: 'audit.export', detail: { count: events.length, ...(opts.action ? { filterAction: opts.action } : {}) } });
        if (opts.json) for (const e of events) process.stdout.write(`${JSON.stringify(e)}\n`);
        else for (const e of events) process.stdout.write(`${new Date(e.at).toISOString()}  ${e.action.padEnd(22)} ${e.actor.padEnd(30)} ${e.targetType ?? ''} ${e.targetId ?? ''}\n`);
      }),
    );

  const intake = program.command('intake').description('Take items in: URLs and bulk lists');
  intake
    .command('url')
    .description('Submit one URL for an agency; it is captured by the worker')
    .argument('<url>', 'the URL')
    .requiredOption('--agency <id|name>', 'the agency that submits it')
    .option('--json', 'machine-readable output')
    .action(async (url: string, opts: { agency: string; json?: boolean }) =>
      withRuntime(async (rt) => {
        const a = await findAgency(rt, opts.agency);
        const r = await agencyActor(rt, a.id).intake().submitUrl(url, 'cli');
        out(Boolean(opts.json), r, () => `${r.created ? 'accepted' : 'duplicate'}: ${r.item.url}  (item ${r.item.id})`);
      }),
    );
  intake
    .command('bulk')
    .description('Submit a bulk list (text, CSV with a url column, JSON array or JSON lines), streamed; prints a per-line report')
    .argument('<file>', 'the list ("-" for standard input)')
    .requiredOption('--agency <id|name>', 'the agency that submits it')
    .addOption(new Option('--format <format>', 'list format').choices(['auto', 'text', 'csv', 'json']).default('auto'))
    .option('--json', 'the report as JSON (summary and every line)')
    .action(async (file: string, opts: { agency: string; format: 'auto' | 'text' | 'csv' | 'json'; json?: boolean }) =>
      withRuntime(async (rt) => {
        const a = await findAgency(rt, opts.agency);
        const { createReadStream, statSync } = await import('node:fs');
        let total = 0;
        if (file !== '-') {
          try {
            total = statSync(file).size;
          } catch {
            throw new UsageError(`cannot read ${file}`);
          }
        }
        const input = file === '-' ? process.stdin : createReadStream(file);
        const bar = !opts.json && process.stderr.isTTY && total > 0 ? new (await import('cli-progress')).SingleBar({ stream: process.stderr, format: 'intake {bar} {percentage}% | {value}/{total} bytes' }) : null;
        bar?.start(total, 0);
        let read = 0;
        async function* counted() {
          for await (const chunk of input) {
            read += (chunk as Buffer).length;
            bar?.update(read);
            yield chunk as Buffer;
          }
        }
        const report = await agencyActor(rt, a.id).intake().submitBulk(counted(), opts.format);
        bar?.stop();
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(report)}\n`);
        } else {
          for (const l of report.lines) if (l.outcome !== 'accepted') process.stdout.write(`line ${l.line}: ${l.outcome}${l.code ? ` ${l.code}` : ''}${l.reason ? `: ${l.reason}` : ''}  ${l.input.slice(0, 200)}\n`);
          process.stdout.write(`accepted ${report.accepted}, duplicate ${report.duplicate}, rejected ${report.rejected}\n`);
        }
      }),
    );

  const custody = program.command('custody').description('The tamper-evident custody chain');
  custody
    .command('verify')
    .description('Verify the custody chain and signed checkpoints of one agency or all; exits 1 naming the first bad event')
    .option('--agency <id|name>', 'only this agency')
    .option('--json', 'machine-readable output')
    .action(async (opts: { agency?: string; json?: boolean }) =>
      withRuntime(async (rt) => {
        const { agenciesWithCustody } = await import('../domains/custody/custody.repository.ts');
        const ids = opts.agency ? [(await findAgency(rt, opts.agency)).id] : await agenciesWithCustody(rt.platform.db);
        const results: CustodyVerification[] = [];
        for (const id of ids) results.push(await agencyActor(rt, id).custody().verify());
        const bad = results.filter((r) => !r.ok);
        out(Boolean(opts.json), { ok: bad.length === 0, agencies: results }, () =>
          results.length === 0
            ? 'no custody events yet'
            : results.map((r) => (r.ok ? `ok   agency ${r.agencyId}: ${r.events} events, ${r.checkpoints} checkpoints` : `BAD  agency ${r.agencyId}: first bad event seq ${r.firstBadSeq ?? '?'}: ${r.problem}`)).join('\n'),
        );
        if (bad.length) process.exitCode = EXIT_FAILED;
      }),
    );

  const evidence = program.command('evidence').description('Evidence packages (WACZ)');
  evidence
    .command('export')
    .description('Write a signed WACZ evidence package of one item: WARC records, screenshots, manifest, custody proof')
    .requiredOption('--item <id>', 'the item')
    .requiredOption('--out <file.wacz>', 'where to write the package')
    .option('--json', 'machine-readable output')
    .action(async (opts: { item: string; out: string; json?: boolean }) =>
      withRuntime(async (rt) => {
        const row = await rt.platform.db.selectFrom('item').select(['agency_id']).where('item_id', '=', opts.item).executeTakeFirst();
        if (!row) throw new UsageError(`no item ${opts.item}`);
        const r = await (await agencyActor(rt, row.agency_id).evidence()).exportItem(opts.item, opts.out);
        const { manifest: _m, ...summary } = r;
        out(Boolean(opts.json), summary, () => `wrote ${r.path}: ${r.bytes} bytes, sha256 ${r.sha256}`);
      }),
    );
  evidence
    .command('verify')
    .description('Check an evidence package offline (no database): every hash, the signature, the WARC records and the custody proof; exits 1 on any problem')
    .argument('<file.wacz>', 'the package')
    .option('--public-key <pem file>', 'the instance public key you trust (otherwise the key inside the package is used and reported as untrusted)')
    .option('--json', 'machine-readable output')
    .action(async (file: string, opts: { publicKey?: string; json?: boolean }) => {
      const { verifyEvidencePackage } = await import('../domains/evidence/evidence-verify.ts');
      let publicKeyPem: string | undefined;
      if (opts.publicKey) {
        try {
          publicKeyPem = readFileSync(opts.publicKey, 'utf8');
        } catch {
          throw new UsageError(`cannot read ${opts.publicKey}`);
        }
      }
      const r = await verifyEvidencePackage(file, publicKeyPem);
      out(Boolean(opts.json), r, () =>
        [
          `${r.ok ? 'OK' : 'FAILED'}  ${file}`,
          `signature: ${r.signature.valid ? 'valid' : 'INVALID'} (key ${r.signature.keyId ?? '?'}${r.signature.keyTrusted ? ', trusted' : ', embedded in the package: pass --public-key to trust it'})`,
          ...r.problems.map((p) => `problem: ${p.path}: ${p.problem}`),
        ].join('\n'),
      );
      if (!r.ok) process.exitCode = EXIT_FAILED;
    });

  const blobs = program.command('blobs').description('The content-addressed blob store');
  blobs
    .command('verify')
    .description('Re-hash every stored blob; exits 1 and names each blob that is missing or corrupted')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) =>
      withRuntime(async (rt) => {
        const rows = await listAllBlobs(rt.platform.db);
        const problems: { hash: string; problem: string | undefined }[] = [];
        const bar = !opts.json && process.stderr.isTTY ? new (await import('cli-progress')).SingleBar({ stream: process.stderr, format: 'verifying {bar} {value}/{total} blobs' }) : null;
        bar?.start(rows.length, 0);
        for (const r of rows) {
          const c = await rt.platform.store.check(r.sha256, r.size);
          if (!c.ok) problems.push({ hash: formatBlobHash(r.sha256), problem: c.problem });
          bar?.increment();
        }
        bar?.stop();
        const known = new Set(rows.map((r) => r.sha256));
        const unknownFiles: string[] = [];
        for await (const f of rt.platform.store.listFiles()) if (!known.has(f)) unknownFiles.push(formatBlobHash(f));
        await rt.platform.systemScope(cliActor(), null).audit.record({ action: 'blob.verify', detail: { checked: rows.length, problems: problems.length } });
        out(Boolean(opts.json), { checked: rows.length, problems, unknownFiles }, () =>
          [`checked ${rows.length} blobs: ${problems.length ? `${problems.length} bad` : 'all intact'}`, ...problems.map((p) => `BAD ${p.hash}: ${p.problem}`), ...unknownFiles.map((f) => `note: file ${f} is not recorded in the database`)].join('\n'),
        );
        if (problems.length) process.exitCode = EXIT_FAILED;
      }),
    );

  registerCommandGroups(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildCli();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end through here too, with code 0.
      return e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (e instanceof UsageError || e instanceof ConfigError) {
      process.stderr.write(`vigil: ${e.message}\n`);
      return EXIT_USAGE;
    }
    if (isVigilError(e)) {
      process.stderr.write(`vigil: ${e.code}: ${e.message}\n`);
      return e.status >= 500 ? EXIT_FAILED : EXIT_USAGE;
    }
    process.stderr.write(`vigil: ${(e as Error).stack ?? String(e)}\n`);
    return EXIT_FAILED;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const code = await main(process.argv.slice(2));
  // serve and worker keep running; everything else ends here. Writes to a pipe are asynchronous and
  // process.exit() drops what is still queued (a --json report past 64 KiB arrived cut off), so
  // wait until stdout and stderr have handed everything to the OS.
  if (!['serve', 'worker'].includes(process.argv[2] ?? '') || code !== EXIT_OK) {
    // A reader that went away (`vigil ... | head`) is an EPIPE here, not a crash.
    const flushed = (s: NodeJS.WriteStream) => new Promise<void>((resolve) => s.on('error', () => resolve()).write('', () => resolve()));
    await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
    process.exit(code);
  }
}
