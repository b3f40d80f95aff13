/**
 * Opening everything a process needs from a Config: database, migrations, platform, first admin.
 * Shared by `vigil serve`, `vigil worker` and the other CLI commands.
 */
import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { openDatabase, type DatabaseHandle } from '../adapters/db/database.ts';
import { migrateToLatest } from '../adapters/db/migrator.ts';
import { argon2PasswordHasher } from '../adapters/crypto/argon2-password-hasher.ts';
import { systemClock } from '../adapters/system/system-clock.ts';
import { uuidIds } from '../adapters/system/uuid-ids.ts';
import type { Clock, Ids } from '../domains/ports.ts';
import type { Config } from './config.ts';
import { createPlatform, type Platform } from './platform.ts';
import { createOutletRepository } from '../domains/outlet/outlet.repository.ts';
import type { SeedReport } from '../domains/outlet/outlet.service.ts';

export interface Runtime {
  handle: DatabaseHandle;
  platform: Platform;
  close(): Promise<void>;
}

export async function openRuntime(config: Config, options: { migrate?: boolean; clock?: Clock; ids?: Ids; poolSize?: number } = {}): Promise<Runtime> {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const handle = openDatabase(config.databaseUrl, options.poolSize ? { poolSize: options.poolSize } : {});
  if (options.migrate !== false) await migrateToLatest(handle.db, handle.dialect);
  const platform = createPlatform({
    db: handle.db,
    dialect: handle.dialect,
    config,
    clock: options.clock ?? systemClock,
    ids: options.ids ?? uuidIds,
    hasher: argon2PasswordHasher,
    blobRoot: join(config.dataDir, 'blobs'),
  });
  return { handle, platform, close: () => handle.close() };
}

export interface FirstAdmin {
  email: string;
  /** Only set when we generated it: it is printed once and never stored in clear. */
  generatedPassword: string | null;
  agencyName: string;
}

/**
 * On an empty instance: the operator agency and its first admin. Does nothing once an operator
 * exists, except seed an outlet registry that was never seeded (an instance set up before it existed).
 */
export async function ensureFirstAdmin(platform: Platform): Promise<FirstAdmin | null> {
  const operator = await platform.agencies.findOperator();
  if (operator) {
    await ensureOutletSeed(platform, operator.id);
    return null;
  }
  const { config } = platform;
  const sys = platform.systemScope('system:setup', null);
  const agency = await sys.agencies().create({ name: config.operatorAgency, kind: 'authority', operator: true });
  const generatedPassword = config.adminPassword ? null : randomBytes(18).toString('base64url');
  await platform
    .systemScope('system:setup', agency.id)
    .usersOf(agency.id)
    .create({ email: config.adminEmail, displayName: 'Administrator', password: config.adminPassword ?? generatedPassword ?? '', roles: ['admin', 'auditor'] });
  await ensureOutletSeed(platform, agency.id);
  return { email: config.adminEmail, generatedPassword, agencyName: agency.name };
}

/**
 * The seed outlets (outlet.seed.ts) in a registry that has none, audited in the operator agency's
 * log. Once seeded the registry is people's to edit: outlets are archived, never deleted, so this
 * runs once per instance; `vigil outlet seed` applies a newer seed on purpose.
 */
export async function ensureOutletSeed(platform: Platform, operatorAgencyId: string): Promise<SeedReport | null> {
  if ((await createOutletRepository(platform.db).count()) > 0) return null;
  return platform.agencyServices(operatorAgencyId, { agencyId: operatorAgencyId, userId: null, actor: 'system:setup', clientIp: null, requestId: null }).outlets().seed();
}
