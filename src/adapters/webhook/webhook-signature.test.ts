import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createMemoryReplayCache, DELIVERY_HEADER, signWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhookSignature, WEBHOOK_TOLERANCE_MS } from './webhook-signature.ts';

const SECRET = 'whsec_test-secret-for-signatures';
const BODY = JSON.stringify({ id: 'd1', kind: 'notice', payload: { text: 'synthetic' } });
const T0 = Date.UTC(2026, 0, 15, 9, 0, 0);

function setup(now = T0) {
  const clock = { ms: now, now() { return this.ms; } };
  return { clock, cache: createMemoryReplayCache(clock) };
}

describe('webhook signatures', () => {
  it('signs "<timestamp>.<body>" with HMAC-SHA256, as a receiver recomputes it', () => {
    const h = signWebhook(SECRET, BODY, 'delivery-1', T0);
    const ts = Math.floor(T0 / 1000);
    expect(h[TIMESTAMP_HEADER]).toBe(String(ts));
    expect(h[DELIVERY_HEADER]).toBe('delivery-1');
    expect(h[SIGNATURE_HEADER]).toBe(`sha256=${createHmac('sha256', SECRET).update(`${ts}.${BODY}`).digest('hex')}`);
  });

  it('accepts a good message once', async () => {
    const { clock, cache } = setup();
    const headers = signWebhook(SECRET, BODY, 'delivery-1', T0);
    const r = await verifyWebhookSignature({ secret: SECRET, body: BODY, headers, now: clock.now(), replayCache: cache });
    expect(r).toEqual({ ok: true, deliveryId: 'delivery-1', timestampMs: Math.floor(T0 / 1000) * 1000 });
  });

  it('refuses a changed body, a wrong secret and a changed timestamp as badly signed', async () => {
    const { cache } = setup();
    const headers = signWebhook(SECRET, BODY, 'delivery-2', T0);
    expect(await verifyWebhookSignature({ secret: SECRET, body: BODY.replace('synthetic', 'changed'), headers, now: T0, replayCache: cache })).toMatchObject({ ok: false, problem: 'bad_signature' });
    expect(await verifyWebhookSignature({ secret: 'whsec_another', body: BODY, headers, now: T0, replayCache: cache })).toMatchObject({ ok: false, problem: 'bad_signature' });
    const shifted = { ...headers, [TIMESTAMP_HEADER]: String(Number(headers[TIMESTAMP_HEADER]) + 1) };
    expect(await verifyWebhookSignature({ secret: SECRET, body: BODY, headers: shifted, now: T0, replayCache: cache })).toMatchObject({ ok: false, problem: 'bad_signature' });
    // None of the forgeries burned the genuine delivery id.
    expect(await verifyWebhookSignature({ secret: SECRET, body: BODY, headers, now: T0, replayCache: cache })).toMatchObject({ ok: true });
  });

  it('refuses missing and malformed headers', async () => {
    const { cache } = setup();
    const headers = signWebhook(SECRET, BODY, 'delivery-3', T0);
    const { [SIGNATURE_HEADER]: _sig, ...unsigned } = headers;
    expect(await verifyWebhookSignature({ secret: SECRET, body: BODY, headers: unsigned, now: T0, replayCache: cache })).toMatchObject({ ok: false, problem: 'missing_header', reason: `missing header ${SIGNATURE_HEADER}` });
    expect(await verifyWebhookSignature({ secret: SECRET, body: BODY, headers: { ...headers, [SIGNATURE_HEADER]: 'md5=abc' }, now: T0, replayCache: cache })).toMatchObject({ ok: false, problem: 'malformed' });
    expect(await verifyWebhookSignature({ secret: SECRET, body: BODY, headers: { ...headers, [TIMESTAMP_HEADER]: 'yesterday' }, now: T0, replayCache: cache })).toMatchObject({ ok: false, problem: 'malformed' });
    expect(await verifyWebhookSignature({ secret: SECRET, body: BODY, headers: { ...headers, [DELIVERY_HEADER]: 'bad id' }, now: T0, replayCache: cache })).toMatchObject({ ok: false, problem: 'malformed' });
  });

  it('refuses a message outside the tolerance window, either way', async () => {
    const { cache } = setup();
    const headers = signWebhook(SECRET, BODY, 'delivery-4', T0);
    expect(await verifyWebhookSignature({ secret: SECRET, body: BODY, headers, now: T0 + WEBHOOK_TOLERANCE_MS + 1000, replayCache: cache })).toMatchObject({ ok: false, problem: 'stale' });
    expect(await verifyWebhookSignature({ secret: SECRET, body: BODY, headers, now: T0 - WEBHOOK_TOLERANCE_MS - 1000, replayCache: cache })).toMatchObject({ ok: false, problem: 'stale' });
    expect(await verifyWebhookSignature({ secret: SECRET, body: BODY, headers, now: T0 + WEBHOOK_TOLERANCE_MS - 1000, replayCache: cache })).toMatchObject({ ok: true });
  });

  it('refuses a replay of a genuine message inside the window', async () => {
    const { clock, cache } = setup();
    const headers = signWebhook(SECRET, BODY, 'delivery-5', T0);
    expect(await verifyWebhookSignature({ secret: SECRET, body: BODY, headers, now: clock.now(), replayCache: cache })).toMatchObject({ ok: true });
    clock.ms += WEBHOOK_TOLERANCE_MS - 1000;
    expect(await verifyWebhookSignature({ secret: SECRET, body: BODY, headers, now: clock.now(), replayCache: cache })).toMatchObject({ ok: false, problem: 'replayed', reason: 'delivery delivery-5 was already received' });
    // Past the window the replay is stale, and the id may be forgotten.
    clock.ms += 2000;
    expect(await verifyWebhookSignature({ secret: SECRET, body: BODY, headers, now: clock.now(), replayCache: cache })).toMatchObject({ ok: false, problem: 'stale' });
  });
});
