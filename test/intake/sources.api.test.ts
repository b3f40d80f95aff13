/**
 * Watched sources on both databases: a feed and a page served from loopback, a Telegram channel
 * preview reached over real TLS through a real SOCKS5 proxy, failing sources backing off, pausing,
 * and the scheduler tick.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestApp, snapshot, type Actor, type TestApp } from '../app.ts';
import { DIALECTS } from '../databases.ts';
import { startSocks5Server, type Socks5TestServer } from '../socks5-server.ts';
import { createSafeFetcher } from '../../src/adapters/fetch/safe-fetch.ts';
import { JobWorker } from '../../src/adapters/queue/job-worker.ts';
import { buildJobRegistry } from '../../src/app/jobs.ts';
import { uuidIds } from '../../src/adapters/system/uuid-ids.ts';
import { createSourceRepository, dueSources } from '../../src/domains/intake/source.repository.ts';
import { createSourceService } from '../../src/domains/intake/source.service.ts';
import { SOURCE_MAX_NEW_ITEMS_PER_RUN } from '../../src/domains/intake/source.model.ts';
import { drainJobs, send, servicesOf, startSite, syntheticPage, type TestSite } from './helpers.ts';

const MINUTE = 60_000;

function rss(entries: { link: string; enclosure?: string }[]): string {
  const items = entries.map((e, i) => `<item><guid>synthetic-${i}-${e.link}</guid><title>Entry ${i}</title><link>${e.link}</link>${e.enclosure ? `<enclosure url="${e.enclosure}" type="image/png" length="10"/>` : ''}</item>`);
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>Synthetic feed</title>${items.join('')}</channel></rss>`;
}

function telegramPreview(channel: string, ids: number[]): string {
  const posts = ids.map((id) => `<div class="tgme_widget_message" data-post="${channel}/${id}"><div class="tgme_widget_message_text">Synthetic post ${id}</div></div>`);
  return `<!doctype html><html><head><meta property="og:title" content="Synthetic channel"></head><body>${posts.join('')}</body></html>`;
}

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

interface SourceView {
  id: string;
  url: string;
  kind: string;
  paused: boolean;
  nextRunAt: number;
  lastStatus: string | null;
  lastError: string | null;
  consecutiveFailures: number;
  itemsFound: number;
}

describe.each(DIALECTS)('watched sources on %s', (dialect) => {
  let t: TestApp;
  let site: TestSite;
  let analyst: Actor;
  let agencyId: string;
  let feedEntries: { link: string; enclosure?: string }[];
  let pageLinks: string[];

  beforeAll(async () => {
    site = await startSite({
      '/feed.xml': (_req, res) => send(rss(feedEntries), 'application/rss+xml')(_req, res),
      '/watched.html': (_req, res) => send(syntheticPage({ title: 'Watched page', links: pageLinks }))(_req, res),
      '/not-a-feed.xml': send(syntheticPage({ title: 'HTML, not a feed' })),
    });
    for (let i = 0; i < 10; i++) site.route(`/posts/${i}`, send(syntheticPage({ title: `Post ${i}` })));
    site.route('/media/0.png', send(Buffer.from('synthetic image bytes'), 'image/png'));
    feedEntries = [{ link: site.url('/posts/0'), enclosure: site.url('/media/0.png') }, { link: site.url('/posts/1') }];
    pageLinks = [site.url('/posts/5'), site.url('/posts/6')];
    t = await createTestApp(dialect, { VIGIL_FETCH_ALLOW: '127.0.0.1/32', VIGIL_SCREENSHOTS: 'false' });
    const agency = await t.createAgency('Watch unit');
    agencyId = agency.id;
    analyst = await t.actor(agency, ['analyst']);
  });
  afterAll(async () => {
    await t.close();
    await site.close();
  });

  const create = async (kind: string, url: string, intervalMinutes = 10): Promise<SourceView> => {
    const res = await t.as(analyst, 'POST', '/api/v1/sources', { kind, url, intervalMinutes });
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  };
  const get = async (id: string): Promise<{ source: SourceView; runs: { status: string; error: string | null; seen: number; newItems: number }[] }> => (await t.as(analyst, 'GET', `/api/v1/sources/${id}`)).json();
  /** One run, at a later time than the one before (runs are ordered by start time). */
  const runNow = async (id: string) => {
    t.clock.advance(MINUTE);
    return servicesOf(t.platform, agencyId, 'system:watch').sources().run(id);
  };
  const itemsOf = async (sourceId: string) => (await t.as(analyst, 'GET', `/api/v1/items?sourceId=${sourceId}`)).json().items as { url: string; origin: string }[];

  it('a feed source takes in only what is new, run after run, and records each run', async () => {
    const s = await create('feed', site.url('/feed.xml'));
    expect(s).toMatchObject({ kind: 'feed', paused: false, nextRunAt: t.clock.now(), consecutiveFailures: 0, itemsFound: 0 });

    // The first run goes the way production runs go: tick → watch.run → capture jobs.
    await t.platform.queue.enqueue('watch.tick', {}, { priority: 10 });
    const ran = await drainJobs(t.platform);
    expect(ran.find((j) => j.name === 'watch.run')).toMatchObject({ state: 'done', result: { status: 'ok', seen: 3, newItems: 3 } });
    let view = await get(s.id);
    expect(view.runs).toHaveLength(1);
    expect(view.source).toMatchObject({ lastStatus: 'ok', itemsFound: 3, consecutiveFailures: 0, nextRunAt: t.clock.now() + 10 * MINUTE });
    const items = await itemsOf(s.id);
    expect(items.map((i) => i.url).sort()).toEqual([site.url('/media/0.png'), site.url('/posts/0'), site.url('/posts/1')]);
    expect(items.every((i) => i.origin === 'watch')).toBe(true);
    expect(ran.filter((j) => j.name === 'capture.fetch').map((j) => j.state)).toEqual(['done', 'done', 'done']);

    expect(await runNow(s.id)).toMatchObject({ status: 'ok', seen: 3, newItems: 0 });
    feedEntries.push({ link: site.url('/posts/2') });
    expect(await runNow(s.id)).toMatchObject({ status: 'ok', seen: 4, newItems: 1 });
    view = await get(s.id);
    expect(view.runs.map((r) => [r.status, r.seen, r.newItems])).toEqual([
      ['ok', 4, 1],
      ['ok', 3, 0],
      ['ok', 3, 3],
    ]);
    expect(view.source.itemsFound).toBe(4);
    expect(await itemsOf(s.id)).toHaveLength(4);
  });

  it('a page source takes in the out-links that were not there last time', async () => {
    const s = await create('page', site.url('/watched.html'));
    expect(await runNow(s.id)).toMatchObject({ status: 'ok', seen: 2, newItems: 2 });
    expect(await runNow(s.id)).toMatchObject({ status: 'ok', seen: 2, newItems: 0 });
    pageLinks.push(site.url('/posts/7'));
    expect(await runNow(s.id)).toMatchObject({ status: 'ok', seen: 3, newItems: 1 });
    expect((await itemsOf(s.id)).map((i) => i.url).sort()).toEqual([site.url('/posts/5'), site.url('/posts/6'), site.url('/posts/7')]);
  });

  it('takes in at most SOURCE_MAX_NEW_ITEMS_PER_RUN items per run; the rest come in on the next run', async () => {
    const links = Array.from({ length: SOURCE_MAX_NEW_ITEMS_PER_RUN + 15 }, (_, i) => `https://many-links.example.test/post/${i}`);
    site.route('/many-links.html', send(syntheticPage({ title: 'A page with many links', links })));
    const s = await create('page', site.url('/many-links.html'));
    expect(await runNow(s.id)).toMatchObject({ status: 'ok', seen: links.length, newItems: SOURCE_MAX_NEW_ITEMS_PER_RUN });
    expect(await runNow(s.id)).toMatchObject({ status: 'ok', seen: links.length, newItems: 15 });
    expect(await runNow(s.id)).toMatchObject({ status: 'ok', seen: links.length, newItems: 0 });
    expect((await get(s.id)).source.itemsFound).toBe(links.length);
    // Their capture jobs would look up example.test names.
    await t.db.db.deleteFrom('job').where('state', '=', 'queued').execute();
  });

  it('records failed runs (HTTP error, refused connection, not a feed) and backs off further after each failure', async () => {
    const gone = await create('feed', site.url('/gone.xml'), 10);
    const refused = await create('feed', `http://127.0.0.1:${await closedPort()}/feed.xml`, 10);
    const html = await create('feed', site.url('/not-a-feed.xml'), 10);

    let previousDelay = 0;
    for (let failure = 1; failure <= 3; failure++) {
      const run = await runNow(gone.id);
      expect(run).toMatchObject({ status: 'failed', seen: 0, newItems: 0 });
      expect(run!.error).toMatch(/^VIGIL_FETCH_CONNECTION: .*HTTP 404/);
      const { source } = await get(gone.id);
      expect(source).toMatchObject({ lastStatus: 'failed', consecutiveFailures: failure });
      const delay = source.nextRunAt - t.clock.now();
      expect(delay).toBe(10 * MINUTE * 2 ** failure);
      expect(delay).toBeGreaterThan(previousDelay);
      previousDelay = delay;
    }
    expect((await runNow(refused.id))!.error).toMatch(/^VIGIL_FETCH_CONNECTION: .*cannot connect/);
    expect((await get(refused.id)).source).toMatchObject({ consecutiveFailures: 1, nextRunAt: t.clock.now() + 20 * MINUTE });
    expect((await runNow(html.id))!.error).toMatch(/^VIGIL_SOURCE_UNPARSEABLE: /);
    expect((await get(gone.id)).runs.map((r) => r.status)).toEqual(['failed', 'failed', 'failed']);

    // Back on its feet: the schedule returns to the plain interval.
    site.route('/gone.xml', send(rss([{ link: site.url('/posts/9') }]), 'application/rss+xml'));
    expect(await runNow(gone.id)).toMatchObject({ status: 'ok', newItems: 1 });
    expect((await get(gone.id)).source).toMatchObject({ consecutiveFailures: 0, lastError: null, nextRunAt: t.clock.now() + 10 * MINUTE });
  });

  it('a paused source does not run and is not due; resumed, it is due at once', async () => {
    const s = await create('page', site.url('/watched.html?paused=1'));
    const paused = await t.as(analyst, 'POST', `/api/v1/sources/${s.id}/paused`, { paused: true });
    expect(paused.statusCode).toBe(200);
    expect(paused.json().paused).toBe(true);
    t.clock.advance(60 * MINUTE);
    expect(await runNow(s.id)).toBeNull();
    expect((await get(s.id)).runs).toEqual([]);
    expect((await dueSources(t.db.db, t.clock.now(), 1000)).map((d) => d.sourceId)).not.toContain(s.id);

    const resumed = await t.as(analyst, 'POST', `/api/v1/sources/${s.id}/paused`, { paused: false });
    expect(resumed.json()).toMatchObject({ paused: false });
    expect(resumed.json().nextRunAt).toBeLessThanOrEqual(t.clock.now());
    expect((await dueSources(t.db.db, t.clock.now(), 1000)).map((d) => d.sourceId)).toContain(s.id);
    expect(await runNow(s.id)).toMatchObject({ status: 'ok' });
  });

  it('watch.tick enqueues a due source once, however often it ticks', async () => {
    const s = await create('feed', site.url('/feed.xml?tick=1'));
    const runsOf = async () => (await t.db.db.selectFrom('job').select(['payload', 'state']).where('name', '=', 'watch.run').execute()).filter((j) => JSON.parse(j.payload).sourceId === s.id);
    // Two ticks before any run: both see the source due, and it is queued once.
    await t.platform.queue.enqueue('watch.tick', {}, { priority: 10, idempotencyKey: 'tick-a' });
    await t.platform.queue.enqueue('watch.tick', {}, { priority: 10, idempotencyKey: 'tick-b' });
    const worker = new JobWorker({ queue: t.platform.queue, registry: buildJobRegistry(t.platform).registry, clock: t.clock });
    expect(await worker.runOnce()).toMatchObject({ name: 'watch.tick', state: 'done' });
    expect(await worker.runOnce()).toMatchObject({ name: 'watch.tick', state: 'done' });
    expect(await runsOf()).toEqual([expect.objectContaining({ state: 'queued' })]);
    await drainJobs(t.platform);
    expect(await runsOf()).toEqual([expect.objectContaining({ state: 'done' })]);
    // Not due again until its interval has passed.
    await t.platform.queue.enqueue('watch.tick', {}, { priority: 10, idempotencyKey: 'tick-c' });
    await drainJobs(t.platform);
    expect(await runsOf()).toHaveLength(1);
    t.clock.advance(11 * MINUTE);
    await t.platform.queue.enqueue('watch.tick', {}, { priority: 10, idempotencyKey: 'tick-d' });
    await drainJobs(t.platform);
    expect(await runsOf()).toHaveLength(2);
  });

  it('refuses a Telegram source that is not a channel preview, a duplicate, and a too-short interval; nothing stored', async () => {
    const before = await snapshot(t);
    for (const url of ['https://t.me/synthetic_channel', 'http://t.me/s/synthetic_channel', 'https://example.test/s/synthetic_channel']) {
      const res = await t.as(analyst, 'POST', '/api/v1/sources', { kind: 'telegram', url, intervalMinutes: 10 });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error.code, url).toBe('VIGIL_SOURCE_INVALID');
    }
    const dup = await t.as(analyst, 'POST', '/api/v1/sources', { kind: 'feed', url: site.url('/feed.xml'), intervalMinutes: 30 });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.code).toBe('VIGIL_CONFLICT');
    const fast = await t.as(analyst, 'POST', '/api/v1/sources', { kind: 'feed', url: site.url('/other.xml'), intervalMinutes: 1 });
    expect(fast.statusCode).toBe(400);
    expect(await snapshot(t)).toEqual(before);
  });

  describe('a Telegram channel preview over TLS through SOCKS5', () => {
    let dir: string;
    let tg: https.Server;
    let proxy: Socks5TestServer;
    let cert: string;
    let posts: number[];

    beforeAll(async () => {
      // t.me itself is on the internet; here a loopback server with a certificate for t.me stands
      // in for it, reached through a real SOCKS5 proxy that maps t.me:443 to it.
      dir = mkdtempSync(join(tmpdir(), 'vigil-tg-'));
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '2', '-subj', '/CN=t.me', '-addext', 'subjectAltName=DNS:t.me'], { cwd: dir, stdio: 'pipe' });
      cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
      posts = [40, 41];
      tg = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (req, res) => {
        if (req.url === '/s/synthetic_channel') send(telegramPreview('synthetic_channel', posts))(req, res);
        else res.writeHead(404).end();
      });
      await new Promise<void>((r) => tg.listen(0, '127.0.0.1', () => r()));
      proxy = await startSocks5Server({ 't.me:443': { host: '127.0.0.1', port: (tg.address() as net.AddressInfo).port } });
    });
    afterAll(async () => {
      await proxy.close();
      tg.closeAllConnections();
      await new Promise((r) => tg.close(r));
      rmSync(dir, { recursive: true, force: true });
      // The posts' own capture jobs would go to the real t.me.
      await t.db.db.deleteFrom('job').where('state', '=', 'queued').execute();
    });

    it('takes in each post once, as https://t.me/NAME/ID items', async () => {
      const svc = servicesOf(t.platform, agencyId, 'system:watch');
      const sources = createSourceService({
        sources: createSourceRepository(t.db.db, agencyId),
        intake: svc.intake(),
        fetcher: createSafeFetcher({ socksProxy: `socks5h://127.0.0.1:${proxy.port}`, proxyAll: true, ca: [cert] }),
        audit: svc.audit,
        clock: t.clock,
        ids: uuidIds,
      });
      const s = await sources.create({ kind: 'telegram', url: 'https://t.me/s/synthetic_channel', intervalMinutes: 10 }, null);
      expect(s.url).toBe('https://t.me/s/synthetic_channel');
      t.clock.advance(MINUTE);
      expect(await sources.run(s.id)).toMatchObject({ status: 'ok', seen: 2, newItems: 2, seenUrls: ['https://t.me/synthetic_channel/40', 'https://t.me/synthetic_channel/41'] });
      t.clock.advance(MINUTE);
      expect(await sources.run(s.id)).toMatchObject({ status: 'ok', seen: 2, newItems: 0 });
      posts.push(42);
      t.clock.advance(MINUTE);
      expect(await sources.run(s.id)).toMatchObject({ status: 'ok', seen: 3, newItems: 1 });
      expect((await itemsOf(s.id)).map((i) => i.url).sort()).toEqual(['https://t.me/synthetic_channel/40', 'https://t.me/synthetic_channel/41', 'https://t.me/synthetic_channel/42']);
      expect(proxy.requests.every((r) => r.addressType === 'domain' && r.host === 't.me' && r.port === 443)).toBe(true);
      expect(proxy.requests).toHaveLength(3);
    });
  });
});
