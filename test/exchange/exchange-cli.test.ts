/** `vigil bank …`, the real binary on both databases. All hashes are synthetic. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../databases.ts';
import { vigil } from '../intake/helpers.ts';

const PDQ_A = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';
const PDQ_B = '0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f';
const MD5_C = '0123456789abcdef0123456789abcdef';

describe.each(DIALECTS)('vigil bank on %s', (dialect) => {
  let db: TestDatabase;
  let dir: string;
  let env: Record<string, string>;
  const AGENCY = 'CLI bank unit';

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    dir = mkdtempSync(join(tmpdir(), 'vigil-bank-cli-'));
    env = { VIGIL_DATA_DIR: dir, DATABASE_URL: db.url };
    const r = await vigil(env, ['agency', 'create', '--name', AGENCY, '--kind', 'authority']);
    expect(r.code, r.stderr).toBe(0);
  });
  afterAll(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const entries = () => db.db.selectFrom('bank_entry').select(['signal_kind', 'value', 'enabled', 'source']).orderBy('value').execute();

  it('creates a bank, imports a file with line-numbered problems (exit 1), and re-imports it without change', async () => {
    const created = await vigil(env, ['bank', 'create', '--agency', AGENCY, '--name', 'CLI bank', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const bankId = JSON.parse(created.stdout).bank.id as string;

    const file = join(dir, 'list.txt');
    writeFileSync(file, ['# synthetic', `pdq ${PDQ_A}`, `pdq ${PDQ_A.slice(0, 40)}`, `video_md5 ${MD5_C}`, `photodna ${'ab'.repeat(10)}`].join('\n'));
    const first = await vigil(env, ['bank', 'import', 'CLI bank', file, '--agency', AGENCY, '--format', 'te-text']);
    expect(first.code, first.stderr).toBe(1);
    expect(first.stdout).toBe(
      [
        'line 3: rejected VIGIL_SIGNAL_INVALID: A pdq hash is 64 hex digits, got 40.',
        "line 5: skipped VIGIL_EXCHANGE_UNSUPPORTED: signal type 'photodna' is not one Vigil keeps",
        'added 2, duplicate 0, removed 0, rejected 1, skipped 1',
        '',
      ].join('\n'),
    );
    const before = await entries();
    expect(before).toEqual([
      { signal_kind: 'video_md5', value: MD5_C, enabled: 1, source: 'threatexchange' },
      { signal_kind: 'pdq', value: PDQ_A, enabled: 1, source: 'threatexchange' },
    ]);

    const again = await vigil(env, ['bank', 'import', bankId, '-', '--agency', AGENCY, '--format', 'te-text', '--json'], readFileSync(file, 'utf8'));
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({ added: 0, duplicate: 2, removed: 0, rejected: 1, checkpoint: null });
    expect(await entries()).toEqual(before);
  }, 120_000);

  it('refuses an unusable file with exit 2 and changes nothing', async () => {
    const file = join(dir, 'garbage.bin');
    writeFileSync(file, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0, 0xff, 0xfe]));
    const before = await entries();
    const r = await vigil(env, ['bank', 'import', 'CLI bank', file, '--agency', AGENCY, '--format', 'csv']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('VIGIL_EXCHANGE_INVALID: The file is binary');
    expect(await entries()).toEqual(before);
    const missing = await vigil(env, ['bank', 'import', 'No such bank', file, '--agency', AGENCY, '--format', 'csv']);
    expect([missing.code, missing.stderr.trim()]).toEqual([2, 'vigil: no bank with id or name "No such bank" for this agency (see vigil bank list)']);
   }, 120_000);

  it('adds, disables by signal, lists, shows and exports (stdout, --out, TCAP deltas)', async () => {
    const add = await vigil(env, ['bank', 'add', 'CLI bank', `pdq:${PDQ_B}`, '--agency', AGENCY, '--outlet', 'Synthetic outlet', '--tier', 'crisis']);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toMatch(/^added {5}pdq:0f0f.*\nadded 1, duplicate 0, rejected 0\n$/);

    const full = join(dir, 'full.json');
    const exp = await vigil(env, ['bank', 'export', 'CLI bank', '--agency', AGENCY, '--format', 'tcap', '--out', full, '--json']);
    expect(exp.code, exp.stderr).toBe(0);
    expect(JSON.parse(exp.stdout)).toMatchObject({ file: full, format: 'tcap' });
    const page = JSON.parse(readFileSync(full, 'utf8'));
    expect(page.results.map((r: { hash_digest: string }) => r.hash_digest).sort()).toEqual([MD5_C, PDQ_A, PDQ_B].sort());

    const off = await vigil(env, ['bank', 'disable', 'CLI bank', PDQ_A, '--agency', AGENCY, '--kind', 'pdq']);
    expect([off.code, off.stdout.split('  (')[0]]).toEqual([0, `disabled pdq:${PDQ_A}`]);
    const delta = await vigil(env, ['bank', 'export', 'CLI bank', '--agency', AGENCY, '--format', 'tcap', '--after', page.checkpoint]);
    expect(delta.code, delta.stderr).toBe(0);
    expect(JSON.parse(delta.stdout).results.map((r: { hash_digest: string; deleted: boolean }) => [r.hash_digest, r.deleted])).toEqual([[PDQ_A, true]]);

    const csv = await vigil(env, ['bank', 'export', 'CLI bank', '--agency', AGENCY, '--format', 'csv']);
    expect(csv.stdout.split('\r\n').filter(Boolean).sort()).toEqual(['kind,value,external_id,outlet,group,ideology,tier,content_type', `pdq,${PDQ_B},,Synthetic outlet,,,crisis,`, `video_md5,${MD5_C},,,,,,`].sort());

    const list = await vigil(env, ['bank', 'list', '--agency', AGENCY]);
    expect(list.stdout).toMatch(/ positive +3 entries +CLI bank\n$/);
    const show = await vigil(env, ['bank', 'show', 'CLI bank', '--agency', AGENCY, '--json']);
    const shown = JSON.parse(show.stdout);
    expect(shown.imports.map((r: { format: string; added: number; rejected: number }) => [r.format, r.added, r.rejected])).toEqual([
      ['te-text', 0, 1],
      ['te-text', 2, 1],
    ]);
  }, 120_000);
});
