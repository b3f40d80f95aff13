/**
 * A real server over a real database for API tests (`app.inject()`, no socket), with helpers to
 * seed agencies and users and to act as them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import type { Dialect } from '../src/adapters/db/database.ts';
import { loadConfig, type Config } from '../src/app/config.ts';
import { createPlatform, type Platform } from '../src/app/platform.ts';
import { buildServer } from '../src/app/server.ts';
import type { Agency, AgencyKind } from '../src/domains/agency/agency.model.ts';
import type { Role } from '../src/domains/auth/auth.model.ts';
import type { PasswordHasher } from '../src/domains/auth/auth.service.ts';
import type { User } from '../src/domains/auth/user.model.ts';
import { argon2PasswordHasher } from '../src/adapters/crypto/argon2-password-hasher.ts';
import { uuidIds } from '../src/adapters/system/uuid-ids.ts';
import { createTestDatabase, type TestDatabase } from './databases.ts';
import { FakeClock } from './fakes.ts';

export const PASSWORD = 'correct horse battery staple';

export interface Actor {
  user: User;
  agency: Agency;
  cookie: string;
  csrf: string;
}

export interface TestApp {
  app: FastifyInstance;
  platform: Platform;
  db: TestDatabase;
  clock: FakeClock;
  config: Config;
  logs: string[];
  dataDir: string;
  createAgency(name: string, kind?: AgencyKind, operator?: boolean): Promise<Agency>;
  createUser(agency: Agency, roles: Role[], email?: string): Promise<User>;
  login(email: string, password?: string): Promise<Actor>;
  /** A user with the given roles in the agency, logged in. */
  actor(agency: Agency, roles: Role[]): Promise<Actor>;
  as(actor: Actor | null, method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

let seq = 0;

export async function createTestApp(dialect: Dialect, overrides: Record<string, string> = {}, hasher: PasswordHasher = argon2PasswordHasher): Promise<TestApp> {
  const db = await createTestDatabase(dialect);
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-data-'));
  // Tests log in far more often than people; the rate limits have tests of their own.
  const config = loadConfig({ VIGIL_DATA_DIR: dataDir, DATABASE_URL: db.url, VIGIL_LOG_LEVEL: 'info', VIGIL_LOGIN_RATE_PER_MINUTE: '10000', ...overrides });
  const clock = new FakeClock(Date.now());
  const platform = createPlatform({ db: db.db, dialect, config, clock, ids: uuidIds, hasher, blobRoot: join(dataDir, 'blobs') });
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const app = await buildServer(platform, { logStream });
  await app.ready();

  const t: TestApp = {
    app,
    platform,
    db,
    clock,
    config,
    logs,
    dataDir,
    async createAgency(name, kind = 'authority', operator = false) {
      return platform.systemScope('test', null).agencies().create({ name, kind, operator });
    },
    async createUser(agency, roles, email) {
      return platform.systemScope('test', agency.id).usersOf(agency.id).create({ email: email ?? `u${seq++}-${roles.join('-') || 'none'}@example.test`, displayName: 'Test user', password: PASSWORD, roles });
    },
    async login(email, password = PASSWORD) {
      const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
      if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
      const body = res.json() as { user: User; agency: Agency; csrfToken: string };
      const cookie = res.cookies.find((c) => c.name === 'vigil_session');
      if (!cookie) throw new Error('no session cookie');
      return { user: body.user, agency: body.agency, cookie: `vigil_session=${cookie.value}`, csrf: body.csrfToken };
    },
    async actor(agency, roles) {
      const u = await t.createUser(agency, roles);
      return t.login(u.email);
    },
    async as(actor, method, url, body, headers = {}) {
      return app.inject({
        method: method as 'GET',
        url,
        ...(body !== undefined ? { payload: body as object } : {}),
        headers: { ...(actor ? { cookie: actor.cookie, 'x-csrf-token': actor.csrf } : {}), ...headers },
      });
    },
    async close() {
      await app.close();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return t;
}

/** Every row of every table except the append-only logs, for "nothing changed" assertions. */
export async function snapshot(t: TestApp, except: string[] = ['audit_event', 'session']): Promise<Record<string, unknown[]>> {
  // Only this test's own tables: on PostgreSQL, introspection lists every schema of the shared
  // database, and another test file may drop its schema in between.
  const names =
    t.platform.dialect === 'postgres'
      ? (await sql<{ table_name: string }>`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`.execute(t.db.db)).rows.map((r) => r.table_name)
      : (await t.db.db.introspection.getTables()).map((x) => x.name);
  const tables = names.filter((n) => !except.includes(n)).sort();
  const out: Record<string, unknown[]> = {};
  for (const name of tables) {
    // last_used_at moves on every authenticated token call; it is bookkeeping, not data.
    const rows = (await t.db.db.selectFrom(name as 'agency').selectAll().execute()) as Record<string, unknown>[];
    out[name] = rows.map((r) => (name === 'api_token' ? { ...r, last_used_at: null } : r)).map((r) => JSON.stringify(r)).sort();
  }
  return out;
}
