/** `vigil worker`: a job worker process; with PostgreSQL any number run side by side. */
import pino from 'pino';
import { JobWorker } from '../adapters/queue/job-worker.ts';
import type { Config } from './config.ts';
import { openRuntime } from './runtime.ts';
import { buildJobRegistry, registerRecurringJobs } from './jobs.ts';

export async function startWorkerProcess(config: Config, concurrency?: number): Promise<void> {
  const rt = await openRuntime(config);
  const log = pino({ level: config.logLevel });
  const jobs = buildJobRegistry(rt.platform);
  await registerRecurringJobs(rt.platform);
  const worker = new JobWorker({ queue: rt.platform.queue, registry: jobs.registry, clock: rt.platform.clock, concurrency: concurrency ?? config.workerConcurrency, log });
  worker.start();
  log.info({ database: rt.handle.description }, 'worker started');
  const stop = async () => {
    await worker.stop();
    await jobs.close();
    await rt.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}
