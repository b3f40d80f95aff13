/**
 * What the benchmarks that drive the real `bin/vigil` share: the binary, a free loopback port, a
 * CLI call that fails loudly, and waiting for the server to be ready.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export { freePort } from '../e2e/server.ts';

export const VIGIL_BIN = join(import.meta.dirname, '..', 'bin', 'vigil');

/** Runs `vigil ARGS` and returns its standard output; a non-zero exit throws with standard error. */
export function vigilCli(env: NodeJS.ProcessEnv, args: string[], input = ''): string {
  const r = spawnSync(VIGIL_BIN, args, { env, input, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`vigil ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** Polls `/readyz` every 100 ms for up to `seconds` (start-up loads the match index, which takes a while on big banks). */
export async function waitReady(url: string, seconds = 60): Promise<void> {
  for (let i = 0; i < seconds * 10; i++) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server at ${url} never became ready`);
}
