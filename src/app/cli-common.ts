/**
 * What every `vigil` command group shares: exit codes, the usage error, output, opening the runtime,
 * acting as the CLI's actor for an agency or on behalf of a named user, and `--limit`. Command groups live in `cli-*.ts` files and register
 * themselves on the program in `cli.ts`.
 */
import { userInfo } from 'node:os';
import { loadConfig, type Config } from './config.ts';
import { openRuntime, type Runtime } from './runtime.ts';
import type { Agency } from '../domains/agency/agency.model.ts';
import { permissionsOf, type Permission } from '../domains/auth/auth.model.ts';
import { createCredentialRepository } from '../domains/auth/credential.repository.ts';
import { normaliseEmail } from '../domains/auth/user.model.ts';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export class UsageError extends Error {
  override name = 'UsageError';
}

export const cliActor = () => `cli:${userInfo().username}`;

export function out(json: boolean, value: unknown, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);
}

export async function withRuntime<T>(fn: (rt: Runtime, config: Config) => Promise<T>, options: { migrate?: boolean } = {}): Promise<T> {
  const config = loadConfig();
  const rt = await openRuntime(config, options);
  try {
    return await fn(rt, config);
  } finally {
    await rt.close();
  }
}

export async function findAgency(rt: Runtime, ref: string): Promise<Agency> {
  const a = (await rt.platform.agencies.get(ref)) ?? (await rt.platform.agencies.findByName(ref));
  if (!a) throw new UsageError(`no agency with id or name "${ref}" (see vigil agency list)`);
  return a;
}

export function parseList<T extends string>(raw: string, allowed: readonly T[], what: string, is: (v: string) => v is T): T[] {
  const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = items.filter((i) => !is(i));
  if (bad.length) throw new UsageError(`unknown ${what}: ${bad.join(', ')} (allowed: ${allowed.join(', ')})`);
  return items as T[];
}

/** The services of one agency, acting as the CLI user. */
export const agencyActor = (rt: Runtime, agencyId: string) => rt.platform.agencyServices(agencyId, { agencyId, userId: null, actor: cliActor(), clientIp: null, requestId: null });

/** The services of the active user with this e-mail, acting under their name; refuses without `permission`. */
export async function userActor(rt: Runtime, email: string, permission: Permission) {
  const found = await createCredentialRepository(rt.platform.db).findLogin(normaliseEmail(email));
  if (!found || found.user.disabled) throw new UsageError(`no active user with e-mail ${email}`);
  const agency = await rt.platform.agencies.get(found.user.agencyId);
  if (!agency) throw new UsageError(`the agency of ${email} no longer exists`);
  if (!permissionsOf(found.user.roles, agency.operator).has(permission)) throw new UsageError(`${email} lacks the ${permission} permission`);
  const { agencyId } = found.user;
  return rt.platform.agencyServices(agencyId, { agencyId, userId: found.user.id, actor: `${cliActor()} as user:${found.user.email}`, clientIp: null, requestId: null });
}

/** Read-only commands act for an agency (`--agency`) or as a user of it (`--as`) who holds `permission`. */
export async function readerActor(rt: Runtime, opts: { agency?: string; as?: string }, permission: Permission) {
  if (opts.as) return userActor(rt, opts.as, permission);
  if (!opts.agency) throw new UsageError('name the agency with --agency, or a user with --as');
  return agencyActor(rt, (await findAgency(rt, opts.agency)).id);
}

/** `--limit <n>`: an integer from 1 to `max` (the page size the API allows). */
export function parseLimit(raw: string, max: number): number {
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > max) throw new UsageError(`--limit must be an integer from 1 to ${max}`);
  return limit;
}
