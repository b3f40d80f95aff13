/** The real `vigil` binary, spawned as a user would run it, on both databases. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, DIALECTS, type TestDatabase } from './databases.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'vigil');

function vigil(env: Record<string, string>, args: string[], input?: string) {
  const r = spawnSync(BIN, args, { env: { ...process.env, VIGIL_LOG_LEVEL: 'warn', ...env }, input: input ?? '', encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('vigil --help and bad arguments', () => {
  it('prints help for the program and for each command, exit 0', () => {
    const top = vigil({}, ['--help']);
    expect(top.code).toBe(0);
    for (const c of ['serve', 'worker', 'migrate', 'agency', 'user', 'token', 'audit', 'blobs']) expect(top.stdout).toContain(c);
    for (const c of [['agency', 'create'], ['user', 'create'], ['token', 'create'], ['audit', 'export'], ['blobs', 'verify']]) {
      const r = vigil({}, [...c, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Usage: vigil/);
    }
  });

  it('exits 2 with a clear message on unknown commands, missing options and bad values', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
    const env = { VIGIL_DATA_DIR: dir };
    const unknown = vigil(env, ['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
    const missing = vigil(env, ['agency', 'create', '--kind', 'authority']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--name/);
    const choice = vigil(env, ['agency', 'create', '--name', 'X', '--kind', 'bogus']);
    expect(choice.code).toBe(2);
    expect(choice.stderr).toMatch(/authority, flagger, provider/);
    const badConfig = vigil({ ...env, VIGIL_PORT: 'eighty' }, ['agency', 'list']);
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toMatch(/VIGIL_PORT must be an integer/);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe.each(DIALECTS)('vigil commands on %s', (dialect) => {
  let db: TestDatabase;
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    db = await createTestDatabase(dialect, { migrate: false });
    dir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
    env = { VIGIL_DATA_DIR: dir, DATABASE_URL: db.url, VIGIL_ADMIN_EMAIL: 'root@example.test' };
  });
  afterAll(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('migrates, sets up the first admin once, and manages agencies, users and tokens', () => {
    const m = vigil(env, ['migrate', '--json']);
    expect(m.code).toBe(0);
    expect(JSON.parse(m.stdout).applied.length).toBeGreaterThan(0);
    expect(JSON.parse(vigil(env, ['migrate', '--json']).stdout).applied).toEqual([]);

    const setup = JSON.parse(vigil(env, ['setup', '--json']).stdout);
    expect(setup.firstAdmin.email).toBe('root@example.test');
    expect(setup.firstAdmin.generatedPassword.length).toBeGreaterThanOrEqual(20);
    expect(JSON.parse(vigil(env, ['setup', '--json']).stdout).firstAdmin).toBeNull();

    const agency = JSON.parse(vigil(env, ['agency', 'create', '--name', 'EU IRU test', '--kind', 'authority', '--json']).stdout);
    expect(agency.kind).toBe('authority');
    const dup = vigil(env, ['agency', 'create', '--name', 'EU IRU test', '--kind', 'authority']);
    expect(dup.code).toBe(2);
    expect(dup.stderr).toContain('VIGIL_AGENCY_NAME_TAKEN');
    const list = JSON.parse(vigil(env, ['agency', 'list', '--json']).stdout);
    expect(list.map((a: { name: string }) => a.name).sort()).toEqual(['EU IRU test', 'Instance operator']);

    const u = vigil(env, ['user', 'create', '--agency', 'EU IRU test', '--email', 'analyst@example.test', '--roles', 'analyst,reviewer', '--password-stdin', '--json'], 'a long enough password\n');
    expect(u.code).toBe(0);
    expect(JSON.parse(u.stdout).user.roles).toEqual(['analyst', 'reviewer']);
    expect(u.stdout).not.toContain('a long enough password');
    const badRole = vigil(env, ['user', 'create', '--agency', 'EU IRU test', '--email', 'x@example.test', '--roles', 'god']);
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toMatch(/unknown role: god/);
    const weak = vigil(env, ['user', 'create', '--agency', 'EU IRU test', '--email', 'y@example.test', '--roles', 'analyst', '--password-stdin'], 'short\n');
    expect(weak.code).toBe(2);
    expect(weak.stderr).toContain('VIGIL_USER_PASSWORD_WEAK');
    const users = JSON.parse(vigil(env, ['user', 'list', '--agency', 'EU IRU test', '--json']).stdout);
    expect(users.map((x: { email: string }) => x.email)).toEqual(['analyst@example.test']);

    const tok = JSON.parse(vigil(env, ['token', 'create', '--user', 'analyst@example.test', '--name', 'bot', '--scopes', 'blob.read', '--json']).stdout);
    expect(tok.secret).toMatch(/^vgl_/);
    const over = vigil(env, ['token', 'create', '--user', 'analyst@example.test', '--name', 'bot', '--scopes', 'user.manage']);
    expect(over.code).toBe(2);
    expect(over.stderr).toContain('VIGIL_TOKEN_SCOPE_INVALID');
    expect(JSON.parse(vigil(env, ['token', 'revoke', tok.token.id, '--json']).stdout).revokedAt).not.toBeNull();

    const reset = vigil(env, ['user', 'reset-password', '--email', 'analyst@example.test', '--json']);
    expect(JSON.parse(reset.stdout).generatedPassword.length).toBeGreaterThanOrEqual(20);

    const audit = vigil(env, ['audit', 'export', '--json']);
    expect(audit.code).toBe(0);
    const events = audit.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const actions = events.map((e: { action: string }) => e.action);
    for (const a of ['agency.create', 'user.create', 'token.create', 'token.revoke', 'user.password_reset']) expect(actions).toContain(a);
    expect(events.find((e: { action: string }) => e.action === 'token.create').actor).toMatch(/^cli:/);
    expect(events[0].at <= events[events.length - 1].at).toBe(true);
  });

  it('verifies blobs and names a corrupted one with exit 1', async () => {
    const { openRuntime } = await import('../src/app/runtime.ts');
    const { loadConfig } = await import('../src/app/config.ts');
    const { Readable } = await import('node:stream');
    const rt = await openRuntime(loadConfig(env));
    const agency = (await rt.platform.agencies.list())[0]!;
    const svc = rt.platform.agencyServices(agency.id, { agencyId: agency.id, userId: null, actor: 'test', clientIp: null, requestId: null }).blobs();
    const good = await svc.put(Readable.from([Buffer.from('blob one, synthetic')]), null, null);
    const bad = await svc.put(Readable.from([Buffer.from('blob two, synthetic')]), null, null);
    await rt.close();

    const ok = vigil(env, ['blobs', 'verify', '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ checked: 2, problems: [] });

    const hex = bad.hash.slice('sha256:'.length);
    const path = join(dir, 'blobs', hex.slice(0, 2), hex.slice(2, 4), hex);
    chmodSync(path, 0o600);
    writeFileSync(path, 'tampered');
    const r = vigil(env, ['blobs', 'verify']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`BAD ${bad.hash}`);
    expect(r.stdout).not.toContain(`BAD ${good.hash}`);
    expect(readdirSync(join(dir, 'blobs', 'tmp'))).toEqual([]);
  });
});
