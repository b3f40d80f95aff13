import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookSender } from './webhook-sender.ts';
import { SIGNATURE_HEADER } from './webhook-signature.ts';

describe('webhook sender', () => {
  let server: http.Server;
  let origin: string;
  const seen: { path: string; headers: http.IncomingHttpHeaders; body: string }[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
        if (req.url === '/big') res.writeHead(200).end('x'.repeat(2048));
        else if (req.url === '/moved') res.writeHead(302, { location: '/elsewhere' }).end();
        else res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const message = (path: string) => ({ url: `${origin}${path}`, secret: 'whsec_sender-test', body: '{"synthetic":true}', deliveryId: 'd-1', now: Date.UTC(2026, 0, 1), userAgent: 'vigil-test' });

  it('refuses loopback without an allowlist, before sending anything', async () => {
    const before = seen.length;
    const r = await createWebhookSender().send(message('/hook'));
    expect(r).toMatchObject({ kind: 'refused' });
    expect(r.kind === 'refused' && r.reason).toContain('forbidden address (loopback)');
    expect(seen.length).toBe(before);
  });

  it('posts the signed JSON body where the allowlist permits it', async () => {
    const r = await createWebhookSender({ allow: ['127.0.0.1/32'] }).send(message('/hook'));
    expect(r).toEqual({ kind: 'answered', ok: true, status: 204, excerpt: '' });
    const hit = seen.at(-1)!;
    expect(hit).toMatchObject({ path: '/hook', body: '{"synthetic":true}' });
    expect(hit.headers['content-type']).toBe('application/json');
    expect(hit.headers[SIGNATURE_HEADER]).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  it('does not follow redirects, and refuses an answer over the byte limit', async () => {
    const sender = createWebhookSender({ allow: ['127.0.0.1/32'], maxResponseBytes: 1024 });
    expect(await sender.send(message('/moved'))).toMatchObject({ kind: 'answered', ok: false, status: 302 });
    expect(seen.some((h) => h.path === '/elsewhere')).toBe(false);
    expect(await sender.send(message('/big'))).toEqual({ kind: 'failed', reason: 'the answer (HTTP 200) is longer than 1024 bytes' });
  });
});
