/**
 * Sends one signed webhook: a POST of a JSON body to a provider's endpoint, with the signature
 * headers of `webhook-signature.ts`.
 *
 * The endpoint is a URL someone typed into the provider registry, so it gets the fetcher's SSRF
 * rules (`address-policy.ts`): the host is resolved once, every answer is checked, and the socket
 * is opened to one of exactly those checked addresses (no second lookup to rebind). Redirects are
 * not followed: a webhook that moved is a configuration to fix, not a POST to re-send elsewhere.
 * The answer is read up to a byte limit and kept (cut) for the delivery log.
 */
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import tls from 'node:tls';
import { Client } from 'undici';
import { createAddressPolicy, parseLiteralHost } from '../fetch/address-policy.ts';
import { signWebhook } from './webhook-signature.ts';

/** The whole exchange: connect, send, and the answer. */
export const WEBHOOK_TIMEOUT_MS = 15_000;
/** Bytes of the answer read; a receiver has no reason to say more than a few lines. */
export const WEBHOOK_MAX_RESPONSE_BYTES = 64 * 1024;
/** Characters of the answer kept in the delivery log. */
export const WEBHOOK_RESPONSE_EXCERPT = 500;

export type WebhookOutcome =
  /** The receiver answered (any status); `ok` for 2xx. */
  | { kind: 'answered'; ok: boolean; status: number; excerpt: string }
  /** Refused before sending: the URL or its address may not be reached. Retrying cannot help. */
  | { kind: 'refused'; reason: string }
  /** No answer: DNS, connection, TLS, timeout, or an answer over the byte limit. */
  | { kind: 'failed'; reason: string };

export interface WebhookMessage {
  url: string;
  secret: string;
  /** Exactly the bytes signed and sent. */
  body: string;
  deliveryId: string;
  /** Epoch ms, from the clock: the signed timestamp. */
  now: number;
  userAgent: string;
}

export interface WebhookSender {
  send(m: WebhookMessage, signal?: AbortSignal): Promise<WebhookOutcome>;
}

export interface WebhookSenderOptions {
  /** CIDRs allowed in spite of the address policy (VIGIL_FETCH_ALLOW); production uses none. */
  allow?: readonly string[];
  timeoutMs?: number;
  maxResponseBytes?: number;
}

class Refused extends Error {}

function text(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}

export function createWebhookSender(options: WebhookSenderOptions = {}): WebhookSender {
  const policy = createAddressPolicy({ allowAddresses: options.allow ?? [] });
  const timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  const maxBytes = options.maxResponseBytes ?? WEBHOOK_MAX_RESPONSE_BYTES;

  /** The checked addresses of a host: its literal, or every DNS answer, each allowed by the policy. */
  async function addressesOf(url: URL): Promise<string[]> {
    const literal = parseLiteralHost(url.hostname);
    if (literal.type === 'invalid') throw new Refused(`${url.hostname}: ${literal.reason}`);
    const addresses = literal.type === 'domain' ? (await lookup(literal.name, { all: true, order: 'verbatim' })).map((a) => a.address) : [literal.address];
    if (addresses.length === 0) throw new Error(`${url.hostname} has no addresses`);
    for (const a of addresses) {
      const reason = policy.forbiddenReason(a);
      // One forbidden answer refuses the host, as the fetcher does.
      if (reason !== null) throw new Refused(`${url.hostname}${a === url.hostname ? '' : ` resolves to ${a}, which`} is a forbidden address (${reason})`);
    }
    return addresses;
  }

  function open(url: URL, address: string, signal: AbortSignal): Promise<net.Socket> {
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    return new Promise((resolve, reject) => {
      const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
      const socket =
        url.protocol === 'https:'
          ? tls.connect({ host: address, port, servername: net.isIP(host) ? undefined : host, ALPNProtocols: ['http/1.1'] })
          : net.connect({ host: address, port, noDelay: true });
      const ready = url.protocol === 'https:' ? 'secureConnect' : 'connect';
      const onAbort = () => {
        socket.destroy();
        reject(signal.reason as Error);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once(ready, () => {
        signal.removeEventListener('abort', onAbort);
        resolve(socket);
      });
      socket.once('error', (err) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      });
    });
  }

  async function connect(url: URL, signal: AbortSignal): Promise<net.Socket> {
    let last: unknown = null;
    for (const address of await addressesOf(url)) {
      try {
        return await open(url, address, signal);
      } catch (e) {
        if (signal.aborted) throw e;
        last = e;
      }
    }
    throw last;
  }

  async function readCapped(body: AsyncIterable<Buffer>): Promise<string | null> {
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of body) {
      total += chunk.length;
      if (total > maxBytes) return null;
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  return {
    async send(m, callerSignal) {
      const url = URL.parse(m.url);
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) return { kind: 'refused', reason: 'the webhook URL is not an http(s) URL without credentials' };
      const deadline = AbortSignal.timeout(timeoutMs);
      const signal = callerSignal ? AbortSignal.any([deadline, callerSignal]) : deadline;
      const client = new Client(url.origin, {
        connect: (_o, callback) => {
          connect(url, signal).then(
            (s) => callback(null, s),
            (e: Error) => callback(e, null),
          );
        },
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      try {
        const res = await client.request({
          method: 'POST',
          path: `${url.pathname}${url.search}`,
          headers: { 'content-type': 'application/json', 'user-agent': m.userAgent, ...signWebhook(m.secret, m.body, m.deliveryId, m.now) },
          body: m.body,
          signal,
        });
        const answer = await readCapped(res.body as AsyncIterable<Buffer>);
        if (answer === null) return { kind: 'failed', reason: `the answer (HTTP ${res.statusCode}) is longer than ${maxBytes} bytes` };
        return { kind: 'answered', ok: res.statusCode >= 200 && res.statusCode < 300, status: res.statusCode, excerpt: answer.slice(0, WEBHOOK_RESPONSE_EXCERPT) };
      } catch (e) {
        const cause = e instanceof Error && e.cause instanceof Refused ? e.cause : e;
        if (cause instanceof Refused) return { kind: 'refused', reason: cause.message };
        if (deadline.aborted) return { kind: 'failed', reason: `no complete answer within ${timeoutMs} ms` };
        return { kind: 'failed', reason: text(cause) };
      } finally {
        await client.destroy().catch(() => undefined);
      }
    },
  };
}
