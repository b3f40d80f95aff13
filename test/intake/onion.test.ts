/**
 * A .onion item on both databases: captured through a real SOCKS5 proxy (standing in for Tor)
 * that maps the onion name to a loopback site, with the name handed to the proxy unresolved; and
 * refused, as a failed capture, by an instance that has no proxy.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createTestApp, type TestApp } from '../app.ts';
import { DIALECTS } from '../databases.ts';
import { startSocks5Server, type Socks5TestServer } from '../socks5-server.ts';
import { drainJobs, send, servicesOf, sha256Hex, startSite, syntheticPage, type TestSite } from './helpers.ts';

/** 56 base32 characters: the shape of a v3 onion address (synthetic, not a real service). */
const ONION = `${'abcdefghijklmnopqrstuvwxyz234567'}${'abcdefghijklmnopqrstuvwx'}.onion`;

let site: TestSite;
let proxy: Socks5TestServer;
const page = syntheticPage({ title: 'Synthetic hidden service', lang: 'ar' });

beforeAll(async () => {
  site = await startSite({ '/forum/thread-7': send(page) });
  proxy = await startSocks5Server({ [`${ONION}:80`]: { host: '127.0.0.1', port: site.port } });
});
afterAll(async () => {
  await proxy.close();
  await site.close();
});

describe.each(DIALECTS)('.onion capture on %s', (dialect) => {
  describe('with a SOCKS5 proxy configured', () => {
    let t: TestApp;
    beforeAll(async () => {
      // No VIGIL_FETCH_ALLOW: the proxy is the operator's; onion names never resolve locally.
      t = await createTestApp(dialect, { VIGIL_SOCKS_PROXY: `socks5h://127.0.0.1:${proxy.port}`, VIGIL_SCREENSHOTS: 'false' });
    });
    afterAll(async () => t.close());

    it('captures the page through the proxy, handing it the onion name', async () => {
      const agency = await t.createAgency('Onion unit');
      const svc = servicesOf(t.platform, agency.id);
      const { item } = await svc.intake().submitUrl(`http://${ONION.toUpperCase()}/forum/thread-7?utm_source=x`, 'api');
      expect(item).toMatchObject({ url: `http://${ONION}/forum/thread-7`, platform: 'onion', host: ONION });
      const before = proxy.requests.length;
      const [job] = await drainJobs(t.platform);
      expect(job).toMatchObject({ name: 'capture.fetch', state: 'done', result: { state: 'ok' } });
      const [capture] = await svc.items().capturesOf(item.id);
      expect(capture).toMatchObject({ state: 'ok', via: 'socks5', resolvedIp: null, httpStatus: 200, finalUrl: `http://${ONION}/forum/thread-7`, bodySha256: sha256Hex(page), title: 'Synthetic hidden service', languageHint: 'ar' });
      expect(proxy.requests.slice(before)).toEqual([{ addressType: 'domain', host: ONION, port: 80 }]);
      expect(await svc.items().getItem(item.id)).toMatchObject({ state: 'captured' });
      const events = await svc.custody().eventsFor('item', [item.id]);
      expect(events.at(-1)).toMatchObject({ kind: 'capture', data: { state: 'ok', resolvedIp: null, bodySha256: sha256Hex(page) } });
    });
  });

  it('without a proxy, records a failed capture VIGIL_FETCH_ONION_NEEDS_PROXY and sends nothing', async () => {
    const t = await createTestApp(dialect, { VIGIL_SCREENSHOTS: 'false', VIGIL_FETCH_ALLOW: '127.0.0.1/32' });
    try {
      const agency = await t.createAgency('Onion unit without proxy');
      const svc = servicesOf(t.platform, agency.id);
      const { item } = await svc.intake().submitUrl(`http://${ONION}/forum/thread-7`, 'api');
      const requests = proxy.requests.length;
      const hits = site.hits.length;
      const [job] = await drainJobs(t.platform);
      expect(job).toMatchObject({ state: 'done', result: { state: 'failed', errorCode: 'VIGIL_FETCH_ONION_NEEDS_PROXY' } });
      const [capture] = await svc.items().capturesOf(item.id);
      expect(capture).toMatchObject({ state: 'failed', errorCode: 'VIGIL_FETCH_ONION_NEEDS_PROXY', via: null, bodySha256: null });
      expect(await svc.items().getItem(item.id)).toMatchObject({ state: 'failed', lastError: expect.stringMatching(/^VIGIL_FETCH_ONION_NEEDS_PROXY: /) });
      expect(proxy.requests.length).toBe(requests);
      expect(site.hits.length).toBe(hits);
    } finally {
      await t.close();
    }
  });
});
