/** `vigil outlet …` spawned as a user runs it, on both databases. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../databases.ts';
import { vigil } from '../intake/helpers.ts';

describe.each(DIALECTS)('vigil outlet on %s', (dialect) => {
  let db: TestDatabase;
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    db = await createTestDatabase(dialect, { migrate: false });
    dir = mkdtempSync(join(tmpdir(), 'vigil-outlet-cli-'));
    env = { VIGIL_DATA_DIR: dir, DATABASE_URL: db.url, VIGIL_ADMIN_EMAIL: 'root@example.test' };
  });
  afterAll(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has help for the group and each command', async () => {
    const help = await vigil(env, ['outlet', '--help']);
    expect(help.code).toBe(0);
    for (const c of ['list', 'show', 'create', 'seed']) expect(help.stdout).toContain(c);
    expect((await vigil(env, ['outlet', 'create', '--help'])).stdout).toMatch(/--channel <channel>/);
  });

  it('seeds at set-up, lists, creates with channels, shows by alias, and re-seeds without touching edits', async () => {
    expect((await vigil(env, ['setup', '--json'])).code).toBe(0);
    const list = await vigil(env, ['outlet', 'list', '--json']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).map((o: { name: string }) => o.name)).toEqual(['Al Malaka', 'Al-Azaim Foundation', 'Amaq News Agency', 'Nashir News Agency']);

    const created = await vigil(env, ['outlet', 'create', '--name', 'Synthetic CLI Outlet', '--alias', 'SCO', '--group', 'Synthetic Group', '--ideology', 'other', '--channel', 'telegram:@Synthetic_CLI', '--channel', 'https://www.synthetic-cli.example/about', '--json']);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout).channels.map((c: { kind: string; value: string }) => `${c.kind}:${c.value}`).sort()).toEqual(['domain:synthetic-cli.example', 'telegram:synthetic_cli']);

    const shown = await vigil(env, ['outlet', 'show', 'sco']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/Synthetic CLI Outlet[\s\S]*telegram @synthetic_cli/);

    const seeded = await vigil(env, ['outlet', 'seed', '--json']);
    expect(seeded.code).toBe(0);
    expect(JSON.parse(seeded.stdout)).toEqual({ created: [], refreshed: [], keptEdited: [], skippedNameTaken: [] });
  });

  it('refuses bad input with exit 2, a stable code, and nothing stored', async () => {
    const dup = await vigil(env, ['outlet', 'create', '--name', 'synthetic cli outlet']);
    expect(dup.code).toBe(2);
    expect(dup.stderr).toMatch(/VIGIL_OUTLET_NAME_TAKEN/);
    const taken = await vigil(env, ['outlet', 'create', '--name', 'Another', '--channel', 't.me/synthetic_cli']);
    expect(taken.code).toBe(2);
    expect(taken.stderr).toMatch(/VIGIL_OUTLET_CHANNEL_TAKEN: Telegram channel @synthetic_cli is already a known channel of Synthetic CLI Outlet/);
    const kind = await vigil(env, ['outlet', 'create', '--name', 'Another', '--channel', 'myspace:someone']);
    expect(kind.code).toBe(2);
    expect(kind.stderr).toMatch(/"myspace" is not a channel kind/);
    const ideology = await vigil(env, ['outlet', 'create', '--name', 'Another', '--ideology', 'cult']);
    expect(ideology.code).toBe(2);
    const missing = await vigil(env, ['outlet', 'show', 'no such outlet']);
    expect(missing.code).toBe(2);
    const list = await vigil(env, ['outlet', 'list', '--json']);
    expect(JSON.parse(list.stdout).map((o: { name: string }) => o.name)).not.toContain('Another');
  });
});
