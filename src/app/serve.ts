/** `vigil serve`: the server process, with the job worker inline (always with SQLite). */
import { readFileSync } from 'node:fs';
import { JobWorker } from '../adapters/queue/job-worker.ts';
import type { Config } from './config.ts';
import { ensureFirstAdmin, openRuntime } from './runtime.ts';
import { buildServer } from './server.ts';
import { buildJobRegistry, registerRecurringJobs } from './jobs.ts';

export async function startServer(config: Config): Promise<void> {
  const rt = await openRuntime(config);
  const { platform } = rt;
  const jobs = buildJobRegistry(platform);
  const admin = await ensureFirstAdmin(platform);
  const https = config.tls ? { cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) } : null;
  const app = await buildServer(platform, { https });
  await registerRecurringJobs(platform);

  // SQLite has one writer, so its worker lives here; PostgreSQL may hand the work to `vigil worker`.
  const inline = rt.handle.dialect === 'sqlite' || config.inlineWorker;
  const worker = inline ? new JobWorker({ queue: platform.queue, registry: jobs.registry, clock: platform.clock, concurrency: config.workerConcurrency, log: app.log }) : null;

  const address = await app.listen({ host: config.host, port: config.port });
  const url = address.replace('0.0.0.0', '127.0.0.1');
  worker?.start();
  const lines = [`Vigil is listening on ${url}  (API docs: ${url}/api/docs; database ${rt.handle.description}; worker ${inline ? 'inline' : 'external'})`];
  if (admin) {
    lines.push(`First admin created: ${admin.email}`);
    lines.push(admin.generatedPassword ? `Password: ${admin.generatedPassword}  (shown once; change it after logging in)` : 'Password: the value of VIGIL_ADMIN_PASSWORD');
  }
  process.stdout.write(`${lines.join('\n')}\n`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    await worker?.stop();
    await jobs.close();
    await app.close();
    await rt.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
