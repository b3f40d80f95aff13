/**
 * Signing and verifying webhook messages with a shared secret, both ways: Vigil signs what it
 * sends to a provider, and verifies what a provider sends back (callbacks) with the same scheme.
 *
 * Scheme (as Stripe and GitHub do it): `x-vigil-signature: sha256=<hex HMAC-SHA256 of
 * "<timestamp>.<body>">`, `x-vigil-timestamp: <unix seconds>`, `x-vigil-delivery: <id>`. The
 * timestamp is inside the MAC, so an old message cannot be re-sent with a fresh time; the
 * tolerance window bounds how old a message may be; the delivery id, remembered for longer than
 * the window, stops a replay inside it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-vigil-signature';
export const TIMESTAMP_HEADER = 'x-vigil-timestamp';
export const DELIVERY_HEADER = 'x-vigil-delivery';
/** How far a message's timestamp may be from our clock, either way (clock skew plus transit). */
export const WEBHOOK_TOLERANCE_MS = 5 * 60 * 1000;
/** Longest delivery id accepted; Vigil's are UUIDs. */
export const DELIVERY_ID_MAX = 128;

/** HMAC-SHA256 of `<timestamp>.<body>` as lower-case hex. */
export function webhookSignature(secret: string, timestampSeconds: number, body: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestampSeconds}.`).update(body).digest('hex');
}

/** The three headers of a signed message. */
export function signWebhook(secret: string, body: string | Buffer, deliveryId: string, nowMs: number): Record<string, string> {
  const ts = Math.floor(nowMs / 1000);
  return { [SIGNATURE_HEADER]: `sha256=${webhookSignature(secret, ts, body)}`, [TIMESTAMP_HEADER]: String(ts), [DELIVERY_HEADER]: deliveryId };
}

/**
 * Remembers delivery ids until they expire. `claim` is atomic: it returns false when the id was
 * already claimed and has not expired, else records it until `expiresAt` and returns true.
 */
export interface ReplayCache {
  claim(deliveryId: string, expiresAt: number): Promise<boolean>;
}

/** A replay cache in this process's memory; enough for one server process. Expired ids are swept on use. */
export function createMemoryReplayCache(clock: { now(): number }): ReplayCache {
  const seen = new Map<string, number>();
  return {
    async claim(id, expiresAt) {
      const now = clock.now();
      for (const [k, until] of seen) if (until <= now) seen.delete(k);
      if (seen.has(id)) return false;
      seen.set(id, expiresAt);
      return true;
    },
  };
}

export const WEBHOOK_VERIFY_PROBLEMS = ['missing_header', 'malformed', 'stale', 'bad_signature', 'replayed'] as const;
export type WebhookVerifyProblem = (typeof WEBHOOK_VERIFY_PROBLEMS)[number];

export type WebhookVerifyResult = { ok: true; deliveryId: string; timestampMs: number } | { ok: false; problem: WebhookVerifyProblem; reason: string };

export interface VerifyOptions {
  secret: string;
  /** The raw body exactly as received: re-serialised JSON would not match. */
  body: string | Buffer;
  headers: Record<string, string | string[] | undefined>;
  now: number;
  replayCache: ReplayCache;
  toleranceMs?: number;
}

function header(h: VerifyOptions['headers'], name: string): string | null {
  const v = h[name];
  return typeof v === 'string' ? v : null;
}

/**
 * Verifies a signed message: headers present and well-formed, timestamp inside the window, MAC
 * equal (compared in constant time), delivery id not seen before. The id is remembered only when
 * everything else holds, so a forged message cannot burn a genuine id.
 */
export async function verifyWebhookSignature(o: VerifyOptions): Promise<WebhookVerifyResult> {
  const sig = header(o.headers, SIGNATURE_HEADER);
  const ts = header(o.headers, TIMESTAMP_HEADER);
  const id = header(o.headers, DELIVERY_HEADER);
  if (sig === null || ts === null || id === null) {
    const missing = [[SIGNATURE_HEADER, sig], [TIMESTAMP_HEADER, ts], [DELIVERY_HEADER, id]].filter(([, v]) => v === null).map(([n]) => n);
    return { ok: false, problem: 'missing_header', reason: `missing header ${missing.join(', ')}` };
  }
  if (!/^\d{1,12}$/.test(ts)) return { ok: false, problem: 'malformed', reason: `${TIMESTAMP_HEADER} must be Unix seconds` };
  if (id === '' || id.length > DELIVERY_ID_MAX || !/^[A-Za-z0-9._:-]+$/.test(id)) return { ok: false, problem: 'malformed', reason: `${DELIVERY_HEADER} must be 1 to ${DELIVERY_ID_MAX} characters of [A-Za-z0-9._:-]` };
  const m = /^sha256=([0-9a-f]{64})$/.exec(sig);
  if (!m) return { ok: false, problem: 'malformed', reason: `${SIGNATURE_HEADER} must be sha256=<64 lower-case hex digits>` };
  const timestampMs = Number(ts) * 1000;
  const tolerance = o.toleranceMs ?? WEBHOOK_TOLERANCE_MS;
  if (Math.abs(o.now - timestampMs) > tolerance) return { ok: false, problem: 'stale', reason: `the timestamp is more than ${tolerance / 1000} s from the receiver's clock` };
  const expected = Buffer.from(webhookSignature(o.secret, Number(ts), o.body), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(m[1]!, 'hex'))) return { ok: false, problem: 'bad_signature', reason: 'the signature does not match the body and timestamp under the shared secret' };
  // Remembered past the far edge of the window: any replay still inside the window is caught.
  if (!(await o.replayCache.claim(id, timestampMs + tolerance + 1))) return { ok: false, problem: 'replayed', reason: `delivery ${id} was already received` };
  return { ok: true, deliveryId: id, timestampMs };
}
