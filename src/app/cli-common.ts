/**
 * What every `vigil` command group shares: exit codes, the usage error, output, opening the runtime,
 * and acting as the CLI's actor for an agency. Command groups live in `cli-*.ts` files and register
 * themselves on the program in `cli.ts`.
 */
import { userInfo } from 'node:os';
import { loadConfig, type Config } from './config.ts';
import { openRuntime, type Runtime } from './runtime.ts';
import type { Agency } from '../domains/agency/agency.model.ts';

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
