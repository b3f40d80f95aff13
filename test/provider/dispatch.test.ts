/**
 * Dispatch end to end on both databases, against real receivers on loopback: an HTTP server that
 * verifies each webhook's signature as a provider would, and an SMTP server (smtp-server) that
 * receives the e-mail. Only the clock is faked, so the retry schedule is walked without waiting.
 */
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Actor, type TestApp } from '../app.ts';
import { DIALECTS } from '../databases.ts';
import { drainJobs, servicesOf } from '../intake/helpers.ts';
import { attachment, startReceiver, startSmtp, type Receiver, type SmtpReceiver } from '../receivers.ts';
import { createMemoryReplayCache, DELIVERY_HEADER, verifyWebhookSignature } from '../../src/adapters/webhook/webhook-signature.ts';
import { DISPATCH_BACKOFF_MS } from '../../src/domains/dispatch/dispatch.model.ts';
import type { Agency } from '../../src/domains/agency/agency.model.ts';
import { parseBlobHash } from '../../src/domains/blob/blob.model.ts';

describe.each(DIALECTS)('dispatch on %s', (dialect) => {
  let t: TestApp;
  let receiver: Receiver;
  let smtp: SmtpReceiver;
  let authority: Agency;
  let analyst: Actor;

  beforeAll(async () => {
    receiver = await startReceiver();
    smtp = await startSmtp();
    t = await createTestApp(dialect, { VIGIL_FETCH_ALLOW: '127.0.0.1/32', VIGIL_SMTP_URL: smtp.url, VIGIL_MAIL_FROM: 'iru@vigil.example' });
    authority = await t.createAgency('Synthetic IRU');
    analyst = await t.actor(authority, ['analyst']);
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
    await smtp.close();
  });

  async function provider(body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
    const res = await t.as(analyst, 'POST', '/api/v1/providers', body);
    if (res.statusCode !== 201) throw new Error(res.body);
    return { id: res.json().provider.id, secret: res.json().webhookSecret };
  }

  async function notice(providerId: string) {
    const res = await t.as(analyst, 'POST', `/api/v1/providers/${providerId}/first-order-notice`, {});
    if (res.statusCode !== 200) throw new Error(res.body);
    return res.json().dispatches as { id: string; channel: string }[];
  }

  const dispatch = async (id: string) => (await t.as(analyst, 'GET', `/api/v1/dispatches/${id}`)).json();
  // The schedule walks the fake clock past the session lifetime: log in again after a long wait.
  const relogin = async () => {
    analyst = await t.login(analyst.user.email);
  };

  it('retries a webhook after 500s on its backoff schedule, logs each attempt, and records delivery; the receiver can verify every signature', async () => {
    const p = await provider({ name: 'Retry Host', domainPatterns: ['retry.example'], webhookUrl: receiver.url('/hook/retry', [500, 503]) });
    const [d] = await notice(p.id);
    expect(d!.channel).toBe('webhook');
    const mine = () => receiver.hits.filter((h) => h.path === '/hook/retry');

    const firstAt = t.clock.now();
    await drainJobs(t.platform);
    expect(mine()).toHaveLength(1);
    expect(await dispatch(d!.id)).toMatchObject({ state: 'queued', deliveredAt: null, lastError: 'HTTP 500: synthetic failure 500', attempts: [{ attempt: 1, at: firstAt, status: 'failed', httpStatus: 500 }] });

    // Not due before the schedule says so.
    t.clock.advance(DISPATCH_BACKOFF_MS[0] - 1);
    await drainJobs(t.platform);
    expect(mine()).toHaveLength(1);
    t.clock.advance(1);
    await drainJobs(t.platform);
    expect(mine()).toHaveLength(2);

    t.clock.advance(DISPATCH_BACKOFF_MS[1]);
    await drainJobs(t.platform);
    expect(mine()).toHaveLength(3);
    const deliveredAt = t.clock.now();
    const done = await dispatch(d!.id);
    expect(done).toMatchObject({ state: 'delivered', deliveredAt, lastError: null, receivedAt: null });
    expect(done.attempts.map((a: { attempt: number; status: string; httpStatus: number }) => [a.attempt, a.status, a.httpStatus])).toEqual([
      [1, 'failed', 500],
      [2, 'failed', 503],
      [3, 'delivered', 200],
    ]);

    // Each attempt carries the same body and delivery id, freshly signed; the receiver verifies all three.
    const cache = createMemoryReplayCache(t.clock);
    for (const hit of mine()) {
      expect(hit.headers[DELIVERY_HEADER]).toBe(d!.id);
      expect(hit.headers['content-type']).toBe('application/json');
      expect(await verifyWebhookSignature({ secret: p.secret, body: hit.body, headers: hit.headers, now: t.clock.now(), replayCache: createMemoryReplayCache(t.clock) })).toMatchObject({ ok: true, deliveryId: d!.id });
    }
    expect(new Set(mine().map((h) => h.body)).size).toBe(1);
    expect(JSON.parse(mine()[0]!.body)).toMatchObject({ id: d!.id, kind: 'notice', subjectId: p.id, from: { agencyId: authority.id, agencyName: 'Synthetic IRU' }, payload: { notice: 'first_order' } });
    // A receiver keeping a replay cache takes a delivery once.
    expect(await verifyWebhookSignature({ secret: p.secret, body: mine()[2]!.body, headers: mine()[2]!.headers, now: t.clock.now(), replayCache: cache })).toMatchObject({ ok: true });
    expect(await verifyWebhookSignature({ secret: p.secret, body: mine()[2]!.body, headers: mine()[2]!.headers, now: t.clock.now(), replayCache: cache })).toMatchObject({ ok: false, problem: 'replayed' });

    // Nothing more is sent once delivered.
    t.clock.advance(DISPATCH_BACKOFF_MS.at(-1)!);
    await drainJobs(t.platform);
    expect(mine()).toHaveLength(3);
  });

  it('gives up at once on an answer a retry cannot change (410) and on a forbidden address', async () => {
    await relogin();
    const gone = await provider({ name: 'Gone Host', domainPatterns: ['gone.example'], webhookUrl: receiver.url('/hook/gone', [410]) });
    const internal = await provider({ name: 'Internal Host', domainPatterns: ['internal.example'], webhookUrl: 'http://169.254.169.254/latest/meta-data' });
    const [a] = await notice(gone.id);
    const [b] = await notice(internal.id);
    await drainJobs(t.platform);
    t.clock.advance(DISPATCH_BACKOFF_MS.at(-1)!);
    await drainJobs(t.platform);
    await relogin();
    expect(receiver.hits.filter((h) => h.path === '/hook/gone')).toHaveLength(1);
    expect(await dispatch(a!.id)).toMatchObject({ state: 'failed', deliveredAt: null, attempts: [{ attempt: 1, status: 'failed', httpStatus: 410 }] });
    const refused = await dispatch(b!.id);
    expect(refused).toMatchObject({ state: 'failed', attempts: [{ attempt: 1, status: 'refused', httpStatus: null }] });
    expect(refused.attempts[0].error).toContain('forbidden address (link-local)');
    const failedAudit = await t.db.db.selectFrom('audit_event').select('target_id').where('action', '=', 'dispatch.failed').execute();
    expect(failedAudit.map((r) => r.target_id).sort()).toEqual([a!.id, b!.id].sort());
  });

  it('mails the contact point over SMTP with the JSON document and blob attachments', async () => {
    await relogin();
    const p = await provider({ name: 'Mail Host', domainPatterns: ['mail-host.example'], contactEmail: 'tco@mail-host.example' });
    const [d] = await notice(p.id);
    expect(d!.channel).toBe('email');
    await drainJobs(t.platform);
    const mail = smtp.mails.find((m) => m.raw.includes(`${d!.id}@vigil`));
    expect(mail?.to).toEqual(['tco@mail-host.example']);
    expect(mail?.raw).toContain('From: iru@vigil.example');
    const json = JSON.parse(attachment(mail!.raw, `notice-${d!.id}.json`)!.toString('utf8'));
    expect(json).toMatchObject({ id: d!.id, kind: 'notice', from: { agencyName: 'Synthetic IRU' }, payload: { notice: 'first_order' } });
    expect(await dispatch(d!.id)).toMatchObject({ state: 'delivered', deliveredAt: t.clock.now(), attempts: [{ attempt: 1, status: 'delivered', httpStatus: null }] });

    // An order will carry its PDF as a blob of the sending agency; a synthetic one stands in here.
    const services = servicesOf(t.platform, authority.id);
    const pdf = Buffer.from('%PDF-1.4\n% synthetic test document, not a real order\n');
    const blob = await services.blobs().put(Readable.from([pdf]), 'application/pdf', null);
    const [withPdf] = await services.dispatches().create({
      providerId: p.id,
      subjectKind: 'order',
      subjectId: 'synthetic-order-1',
      title: 'Synthetic order',
      text: 'Synthetic order text.',
      payload: { reference: 'SYN-1' },
      attachments: [{ filename: 'order.pdf', contentType: 'application/pdf', sha256: parseBlobHash(blob.hash)! }],
    });
    await drainJobs(t.platform);
    const second = smtp.mails.find((m) => m.raw.includes(`${withPdf!.id}@vigil`));
    expect(attachment(second!.raw, 'order.pdf')).toEqual(pdf);
    expect(JSON.parse(attachment(second!.raw, `order-${withPdf!.id}.json`)!.toString('utf8'))).toMatchObject({ kind: 'order', subjectId: 'synthetic-order-1', payload: { reference: 'SYN-1', text: 'Synthetic order text.' } });
  });

  it('lists only the agency’s own dispatches', async () => {
    await relogin();
    const other = await t.createAgency('Other IRU');
    const otherAnalyst = await t.actor(other, ['analyst']);
    const mine = (await t.as(analyst, 'GET', '/api/v1/dispatches')).json().dispatches;
    expect(mine.length).toBeGreaterThan(0);
    expect((await t.as(otherAnalyst, 'GET', '/api/v1/dispatches')).json().dispatches).toEqual([]);
    const res = await t.as(otherAnalyst, 'GET', `/api/v1/dispatches/${mine[0].id}`);
    expect(res.statusCode).toBe(404);
  });
});
