/** `vigil intake url` and `vigil intake bulk`, the real binary on both databases. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../databases.ts';
import { vigil } from './helpers.ts';

describe.each(DIALECTS)('vigil intake on %s', (dialect) => {
  let db: TestDatabase;
  let dir: string;
  let env: Record<string, string>;
  const AGENCY = 'CLI intake unit';

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    dir = mkdtempSync(join(tmpdir(), 'vigil-intake-cli-'));
    env = { VIGIL_DATA_DIR: dir, DATABASE_URL: db.url };
    const r = await vigil(env, ['agency', 'create', '--name', AGENCY, '--kind', 'authority', '--json']);
    expect(r.code, r.stderr).toBe(0);
  });
  afterAll(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const items = () => db.db.selectFrom('item').select(['url', 'origin', 'submitted_url']).orderBy('url').execute();

  it('submits one URL, then reports a normalised form of it as a duplicate', async () => {
    const first = await vigil(env, ['intake', 'url', 'https://t.me/s/Synthetic_Cli/5?utm_source=cli', '--agency', AGENCY, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const r = JSON.parse(first.stdout);
    expect(r).toMatchObject({ created: true, item: { url: 'https://t.me/synthetic_cli/5', origin: 'cli', state: 'queued', platform: 'telegram' } });
    const again = await vigil(env, ['intake', 'url', 'telegram.me/synthetic_cli/5', '--agency', AGENCY]);
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).toBe(`duplicate: https://t.me/synthetic_cli/5  (item ${r.item.id})`);
    expect(await items()).toEqual([{ url: 'https://t.me/synthetic_cli/5', origin: 'cli', submitted_url: 'https://t.me/s/Synthetic_Cli/5?utm_source=cli' }]);
    const jobs = await db.db.selectFrom('job').select(['name', 'payload']).execute();
    expect(jobs.map((j) => [j.name, JSON.parse(j.payload)])).toEqual([['capture.fetch', { itemId: r.item.id }]]);
  });

  it('takes a mixed bulk file and reports every line; from standard input too', async () => {
    const file = join(dir, 'list.txt');
    writeFileSync(
      file,
      [
        '# synthetic bulk list', // 1
        'https://cli-bulk.example.test/1', // 2
        'https://cli-bulk.example.test/2?fbclid=x', // 3
        'mailto:someone@example.test', // 4
        'https://cli-bulk.example.test/1#again', // 5
        'https://t.me/synthetic_cli/5', // 6: submitted above
        'https://exa mple.test/', // 7
      ].join('\n'),
    );
    const r = await vigil(env, ['intake', 'bulk', file, '--agency', AGENCY, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect({ accepted: report.accepted, duplicate: report.duplicate, rejected: report.rejected }).toEqual({ accepted: 2, duplicate: 2, rejected: 2 });
    expect(report.lines.map((l: { line: number; outcome: string; code: string | null }) => [l.line, l.outcome, l.code])).toEqual([
      [2, 'accepted', null],
      [3, 'accepted', null],
      [4, 'rejected', 'VIGIL_URL_SCHEME_UNSUPPORTED'],
      [5, 'duplicate', 'VIGIL_ITEM_DUPLICATE'],
      [6, 'duplicate', 'VIGIL_ITEM_DUPLICATE'],
      [7, 'rejected', 'VIGIL_URL_INVALID'],
    ]);
    expect((await items()).filter((i) => i.origin === 'bulk').map((i) => i.url)).toEqual(['https://cli-bulk.example.test/1', 'https://cli-bulk.example.test/2']);

    const csv = 'url,note\nhttps://cli-bulk.example.test/3,new\nhttps://cli-bulk.example.test/2,held\nftp://cli-bulk.example.test/4,bad\n';
    const stdin = await vigil(env, ['intake', 'bulk', '-', '--agency', AGENCY, '--format', 'csv'], csv);
    expect(stdin.code, stdin.stderr).toBe(0);
    expect(stdin.stdout).toBe(
      [
        'line 3: duplicate VIGIL_ITEM_DUPLICATE: the agency already has this URL  https://cli-bulk.example.test/2',
        'line 4: rejected VIGIL_URL_SCHEME_UNSUPPORTED: the scheme ftp: is not supported; only http and https are  ftp://cli-bulk.example.test/4',
        'accepted 1, duplicate 1, rejected 1',
        '',
      ].join('\n'),
    );
  });

  it('writes a --json report larger than a pipe buffer in full', async () => {
    const file = join(dir, 'long.txt');
    writeFileSync(file, Array.from({ length: 3000 }, (_, i) => `https://cli-long.example.test/post/${i}?utm_source=list`).join('\n'));
    const r = await vigil(env, ['intake', 'bulk', file, '--agency', AGENCY, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(256 * 1024);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ accepted: 3000, duplicate: 0, rejected: 0 });
    expect(report.lines.at(-1)).toMatchObject({ line: 3000, url: 'https://cli-long.example.test/post/2999' });
  });

  it('exits 2 on bad arguments and refused input, changing nothing', async () => {
    const before = await items();
    const cases: [string[], RegExp, string?][] = [
      [['intake', 'url', 'https://example.test/x'], /--agency/],
      [['intake', 'url', '--agency', AGENCY], /missing required argument 'url'/],
      [['intake', 'url', 'https://example.test/x', '--agency', 'No such unit'], /no agency with id or name "No such unit"/],
      [['intake', 'url', 'ftp://example.test/x', '--agency', AGENCY], /VIGIL_URL_INVALID/],
      [['intake', 'bulk', join(dir, 'absent.txt'), '--agency', AGENCY], /cannot read .*absent\.txt/],
      [['intake', 'bulk', '-', '--agency', AGENCY, '--format', 'xml'], /Allowed choices are auto, text, csv, json/],
      [['intake', 'bulk', '-', '--agency', AGENCY, '--format', 'csv'], /VIGIL_BULK_INVALID.*no "url" column/, 'link,note\nhttps://example.test/y,z\n'],
      [['intake', 'bulk', '--agency', AGENCY], /missing required argument 'file'/],
    ];
    const results = await Promise.all(cases.map(([args, , input]) => vigil(env, args, input ?? '')));
    for (const [i, [args, message]] of cases.entries()) {
      expect(results[i]!.code, args.join(' ')).toBe(2);
      expect(results[i]!.stderr, args.join(' ')).toMatch(message);
    }
    expect(await items()).toEqual(before);
  });
});
