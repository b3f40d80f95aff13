/**
 * End-to-end helpers: build the web shell when its sources changed, start the real server
 * (`node src/app/cli.ts serve`) on a free loopback port with a fresh data folder, and stop it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const WEB = join(REPO_ROOT, 'web');
const WEB_INDEX = join(WEB, 'dist', 'index.html');

export const ADMIN_EMAIL = 'admin@example.test';
export const ADMIN_PASSWORD = 'e2e-Admin-password-7f3a';

/** Upper bound for the server to answer /readyz; a cold start migrates a fresh SQLite file. */
const READY_TIMEOUT_MS = 60_000;
const READY_POLL_MS = 100;
const STOP_GRACE_MS = 5_000;
/** Kept for the failure message: the last lines the server wrote. */
const LOG_TAIL_CHARS = 8_000;

/** Chromium flags for a headless run in a container: no sandbox, no GPU, no calls home. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const CHROMIUM_PATH = '/usr/bin/chromium';

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Builds `web/dist` with Vite unless `web/dist/index.html` is newer than every source file. */
export function ensureWebBuild(): void {
  const sources = [join(WEB, 'src'), join(WEB, 'index.html'), join(WEB, 'vite.config.ts'), join(WEB, 'tsconfig.json')];
  const sourceTime = Math.max(...sources.filter((p) => existsSync(p)).map(newestMtime));
  if (existsSync(WEB_INDEX) && statSync(WEB_INDEX).mtimeMs >= sourceTime) return;
  const vite = join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const result = spawnSync(process.execPath, [vite, 'build', '--config', join(WEB, 'vite.config.ts')], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`vite build failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
}

/** A port the kernel just handed out on loopback; the server binds it right after. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') {
        srv.close();
        reject(new Error('no port from the kernel'));
        return;
      }
      srv.close(() => resolve(addr.port));
    });
  });
}

export interface RunningServer {
  url: string;
  dataDir: string;
  /** The environment the server runs with, for CLI commands against the same instance. */
  env: Record<string, string>;
  /** Everything the server wrote so far, for failure messages. */
  logs: () => string;
  stop: () => Promise<void>;
}

/**
 * Starts `vigil serve` on a fresh data folder and resolves once GET /readyz answers 200.
 * `extraEnv` adds or overrides variables, e.g. `VIGIL_FETCH_ALLOW=127.0.0.1/32` so captures may
 * reach a test site on loopback.
 */
export async function startServer(extraEnv: Record<string, string> = {}): Promise<RunningServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-e2e-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dataDir,
    VIGIL_DATA_DIR: dataDir,
    VIGIL_HOST: '127.0.0.1',
    VIGIL_PORT: String(port),
    VIGIL_ADMIN_EMAIL: ADMIN_EMAIL,
    VIGIL_ADMIN_PASSWORD: ADMIN_PASSWORD,
    VIGIL_LOG_LEVEL: 'warn',
    ...extraEnv,
  };
  const child: ChildProcess = spawn(process.execPath, [join(REPO_ROOT, 'src', 'app', 'cli.ts'), 'serve'], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (chunk: Buffer): void => {
    log = (log + chunk.toString('utf8')).slice(-LOG_TAIL_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // A holder object, not a `let`: the exit callback sets it and the loops below re-read it.
  const status: { exited: { code: number | null; signal: NodeJS.Signals | null } | null } = { exited: null };
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      status.exited = { code, signal };
      resolve();
    });
  });

  const stop = async (): Promise<void> => {
    if (status.exited === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (status.exited === null) child.kill('SIGKILL');
      }, STOP_GRACE_MS);
      await exit;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (status.exited !== null) {
      const { code, signal } = status.exited;
      await stop();
      throw new Error(`vigil serve exited before it was ready (code ${code}, signal ${signal}):\n${log}`);
    }
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.status === 200) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`vigil serve did not answer /readyz with 200 within ${READY_TIMEOUT_MS} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, READY_POLL_MS));
  }
  return { url, dataDir, env, logs: () => log, stop };
}
