/**
 * Shared pieces of the intake suites: a real HTTP site on loopback with a route table, a job
 * worker that drains the real queue, the real `vigil` binary spawned asynchronously, and the
 * synthetic pages the captures fetch. Everything here is a real component; nothing is mocked.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { JobWorker } from '../../src/adapters/queue/job-worker.ts';
import type { JobView } from '../../src/adapters/queue/job-types.ts';
import { buildJobRegistry } from '../../src/app/jobs.ts';
import type { Platform } from '../../src/app/platform.ts';

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface TestSite {
  port: number;
  origin: string;
  url(path: string): string;
  /** Every path requested, in order. */
  hits: string[];
  /** Adds or replaces a route while the site runs. */
  route(path: string, handler: Handler): void;
  close(): Promise<void>;
}

/** A loopback HTTP site; paths match exactly (query included), anything else is a 404. */
export async function startSite(routes: Record<string, Handler>): Promise<TestSite> {
  const table = new Map(Object.entries(routes));
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    hits.push(path);
    const handler = table.get(path) ?? table.get(path.split('?')[0]!);
    if (handler) handler(req, res);
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    port,
    origin,
    url: (path) => `${origin}${path}`,
    hits,
    route: (path, handler) => void table.set(path, handler),
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export const send =
  (body: string | Buffer, type = 'text/html; charset=utf-8', headers: Record<string, string> = {}): Handler =>
  (_req, res) =>
    res.writeHead(200, { 'content-type': type, 'content-length': String(Buffer.byteLength(body)), ...headers }).end(body);

export const redirect =
  (location: string, status = 302): Handler =>
  (_req, res) =>
    res.writeHead(status, { location }).end();

/** A synthetic page: title, language, paragraphs of text, and media elements. */
export function syntheticPage(o: { title: string; lang?: string; text?: string; media?: string[]; links?: string[] }): string {
  const text = o.text ?? 'Synthetic statement used only in tests. It contains no real content.';
  return [
    '<!doctype html>',
    `<html${o.lang ? ` lang="${o.lang}"` : ''}><head><meta charset="utf-8"><title>${o.title}</title></head><body><article>`,
    `<h1>${o.title}</h1>`,
    ...Array.from({ length: 6 }, () => `<p>${text}</p>`),
    ...(o.media ?? []),
    ...(o.links ?? []).map((l) => `<a href="${l}">link</a>`),
    '</article></body></html>',
  ].join('\n');
}

export const sha256Hex = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

/** Where the file blob store keeps a blob. */
export const blobPath = (dataDir: string, hex: string) => join(dataDir, 'blobs', hex.slice(0, 2), hex.slice(2, 4), hex);

/**
 * Runs queued jobs with the real handlers until the queue has nothing due (or `max` jobs ran),
 * one at a time, and returns them as they ended.
 */
export async function drainJobs(platform: Platform, max = 200): Promise<JobView[]> {
  const jobs = buildJobRegistry(platform);
  const worker = new JobWorker({ queue: platform.queue, registry: jobs.registry, clock: platform.clock });
  const ran: JobView[] = [];
  try {
    for (let i = 0; i < max; i++) {
      const job = await worker.runOnce();
      if (!job) break;
      ran.push(job);
    }
  } finally {
    await jobs.close();
  }
  return ran;
}

/** A system actor's services for one agency, as jobs and the CLI get them. */
export function servicesOf(platform: Platform, agencyId: string, actor = 'test') {
  return platform.agencyServices(agencyId, { agencyId, userId: null, actor, clientIp: null, requestId: null });
}

export const BIN = join(import.meta.dirname, '..', '..', 'bin', 'vigil');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The real binary, without blocking this process (its loopback servers keep answering meanwhile). */
export function vigil(env: Record<string, string>, args: string[], input = ''): Promise<CliResult> {
  return run(BIN, args, { VIGIL_LOG_LEVEL: 'warn', ...env }, input);
}

/** Another process, its output collected; killed after a minute. */
export function run(command: string, args: string[], env: Record<string, string> = {}, input = ''): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.end(input);
  });
}

/** One file field in multipart/form-data, as a browser sends it. */
export function multipart(content: Buffer, filename: string, type = 'application/octet-stream'): { body: Buffer; headers: Record<string, string> } {
  const boundary = '----vigil-intake-test';
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`);
  return { body: Buffer.concat([head, content, Buffer.from(`\r\n--${boundary}--\r\n`)]), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
