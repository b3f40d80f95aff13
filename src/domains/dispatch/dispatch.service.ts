/**
 * Dispatch for one sending agency: make the messages for a provider's channels, send them (the
 * `dispatch.send` job), log every attempt, and retry on the schedule of `dispatch.model.ts`. And
 * the portal side for a provider agency: its messages, and receipt.
 */
import type { Readable } from 'node:stream';
import type { Clock, Ids } from '../ports.ts';
import type { AuditLog } from '../audit/audit.service.ts';
import { VigilError } from '../../errors/vigil-error.ts';
import type { Provider } from '../provider/provider.model.ts';
import {
  afterAttempt,
  clip,
  DISPATCH_MAX_ATTEMPTS,
  DISPATCH_TITLE_MAX,
  isRetryableHttpStatus,
  messageDocument,
  type AttemptStatus,
  type Channel,
  type Dispatch,
  type DispatchAttachment,
  type SubjectKind,
} from './dispatch.model.ts';
import type { DispatchListQuery, DispatchRepository, NewDispatch, PortalRepository } from './dispatch.repository.ts';

/** The webhook sender as the service needs it (adapters/webhook/webhook-sender.ts). */
export interface WebhookPort {
  send(
    m: { url: string; secret: string; body: string; deliveryId: string; now: number; userAgent: string },
    signal?: AbortSignal,
  ): Promise<{ kind: 'answered'; ok: boolean; status: number; excerpt: string } | { kind: 'refused'; reason: string } | { kind: 'failed'; reason: string }>;
}

/** The mailer as the service needs it (adapters/mail/smtp-mailer.ts). */
export interface MailPort {
  send(m: {
    to: string;
    subject: string;
    text: string;
    attachments: { filename: string; contentType: string; content: Buffer }[];
    messageId: string;
  }): Promise<{ kind: 'accepted'; response: string } | { kind: 'rejected'; reason: string; permanent: boolean } | { kind: 'failed'; reason: string }>;
}

export interface DispatchServiceDeps {
  dispatches: DispatchRepository;
  providers: { get(providerId: string): Promise<Provider | null>; webhookSecret(providerId: string): Promise<string | null> };
  /** Enqueues `dispatch.send` for this agency; the key keeps one job per dispatch. */
  enqueueSend(dispatchId: string): Promise<void>;
  webhook: WebhookPort;
  /** Null when the instance has no VIGIL_SMTP_URL. */
  mail: MailPort | null;
  /** A blob of this agency, for attachments. */
  openBlob(sha256: string): Promise<Readable>;
  agencyId: string;
  /** The sending agency's name, as the message document names the sender. */
  agencyName(): Promise<string>;
  audit: AuditLog;
  clock: Clock;
  ids: Ids;
  actor: { userId: string | null; label: string };
  userAgent: string;
  /** Told of each delivery, after it is logged: a removal order's receipt starts its clock (TCO Art. 3(3)). */
  onDelivered?(d: Dispatch, deliveredAt: number): Promise<void>;
}

export interface NewMessage {
  providerId: string;
  subjectKind: SubjectKind;
  subjectId: string;
  title: string;
  /** Plain text for people (the e-mail body, the portal text); the JSON document goes along. */
  text: string;
  payload: Record<string, unknown>;
  attachments?: DispatchAttachment[];
}

export interface SendResult {
  /** What the job should do next. */
  next: 'done' | 'retry' | 'skipped';
  delayMs?: number;
  reason: string;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

/** Which channels a provider can be reached on now, and why the others are left out. */
export function channelsOf(p: Provider, mailConfigured: boolean): { channels: { channel: Channel; destination: string | null; recipientAgencyId: string | null }[]; skipped: string[] } {
  const channels: { channel: Channel; destination: string | null; recipientAgencyId: string | null }[] = [];
  const skipped: string[] = [];
  if (p.contact.webhookUrl) channels.push({ channel: 'webhook', destination: p.contact.webhookUrl, recipientAgencyId: p.providerAgencyId });
  if (p.contact.email) {
    if (mailConfigured) channels.push({ channel: 'email', destination: p.contact.email, recipientAgencyId: p.providerAgencyId });
    else skipped.push('email: the instance has no VIGIL_SMTP_URL');
  }
  if (p.providerAgencyId) channels.push({ channel: 'portal', destination: null, recipientAgencyId: p.providerAgencyId });
  return { channels, skipped };
}

export function createDispatchService(deps: DispatchServiceDeps) {
  const { dispatches, clock, ids } = deps;
  const by = deps.actor.userId ?? deps.actor.label;

  async function mustGet(dispatchId: string): Promise<Dispatch> {
    const d = await dispatches.get(dispatchId);
    if (!d) throw new VigilError('VIGIL_NOT_FOUND', `No dispatch ${dispatchId}.`);
    return d;
  }

  async function attempt(d: Dispatch, signal?: AbortSignal): Promise<{ status: AttemptStatus; retryable: boolean; httpStatus: number | null; error: string | null }> {
    const doc = messageDocument(d, { agencyId: deps.agencyId, agencyName: await deps.agencyName() });
    if (d.channel === 'webhook') {
      const secret = await deps.providers.webhookSecret(d.providerId);
      if (!secret || !d.destination) return { status: 'refused', retryable: false, httpStatus: null, error: 'the provider has no webhook URL or secret' };
      const r = await deps.webhook.send({ url: d.destination, secret, body: JSON.stringify(doc), deliveryId: d.id, now: clock.now(), userAgent: deps.userAgent }, signal);
      if (r.kind === 'refused') return { status: 'refused', retryable: false, httpStatus: null, error: clip(r.reason) };
      if (r.kind === 'failed') return { status: 'failed', retryable: true, httpStatus: null, error: clip(r.reason) };
      if (r.ok) return { status: 'delivered', retryable: false, httpStatus: r.status, error: null };
      return { status: 'failed', retryable: isRetryableHttpStatus(r.status), httpStatus: r.status, error: clip(`HTTP ${r.status}${r.excerpt ? `: ${r.excerpt}` : ''}`) };
    }
    if (d.channel === 'email') {
      if (!deps.mail || !d.destination) return { status: 'refused', retryable: false, httpStatus: null, error: 'the instance has no VIGIL_SMTP_URL, or the provider no contact e-mail' };
      const files = [];
      for (const a of d.attachments) files.push({ filename: a.filename, contentType: a.contentType, content: await readAll(await deps.openBlob(a.sha256)) });
      const r = await deps.mail.send({
        to: d.destination,
        subject: d.title,
        text: typeof d.payload.text === 'string' ? d.payload.text : d.title,
        attachments: [{ filename: `${d.subjectKind}-${d.id}.json`, contentType: 'application/json', content: Buffer.from(JSON.stringify(doc, null, 2)) }, ...files],
        messageId: `<${d.id}@vigil>`,
      });
      if (r.kind === 'accepted') return { status: 'delivered', retryable: false, httpStatus: null, error: null };
      if (r.kind === 'rejected') return { status: 'failed', retryable: !r.permanent, httpStatus: null, error: clip(r.reason) };
      return { status: 'failed', retryable: true, httpStatus: null, error: clip(r.reason) };
    }
    return { status: 'delivered', retryable: false, httpStatus: null, error: null };
  }

  /** Logs attempt number `n` of `d` and moves it on; returns what the job should do. */
  async function runAttempt(d: Dispatch, n: number, signal?: AbortSignal): Promise<SendResult> {
    const at = clock.now();
    const started = performance.now();
    await dispatches.setState(d.id, 'delivering', at);
    const r = await attempt(d, signal).catch((e: unknown) =>
      // A refusal of ours (an attachment that is not the agency's blob) cannot change on retry; anything else may.
      e instanceof VigilError
        ? { status: 'refused' as const, retryable: false, httpStatus: null, error: clip(e.message) }
        : { status: 'failed' as const, retryable: true, httpStatus: null, error: clip(e instanceof Error ? e.message : String(e)) },
    );
    const durationMs = Math.round(performance.now() - started);
    const next = afterAttempt(n, r);
    const state = next.next === 'delivered' ? 'delivered' : next.next === 'failed' ? 'failed' : 'queued';
    const deliveredAt = state === 'delivered' ? clock.now() : null;
    await dispatches.recordAttempt(d.id, ids.next(), { attempt: n, at, status: r.status, httpStatus: r.httpStatus, error: r.error, durationMs }, { state, deliveredAt, lastError: r.error });
    if (deliveredAt !== null) await deps.onDelivered?.(d, deliveredAt);
    if (next.next === 'retry') return { next: 'retry', delayMs: next.delayMs, reason: `attempt ${n} of ${DISPATCH_MAX_ATTEMPTS} failed: ${r.error ?? r.status}` };
    if (next.next === 'failed') await deps.audit.record({ action: 'dispatch.failed', targetType: 'dispatch', targetId: d.id, detail: { channel: d.channel, attempts: n, error: r.error } });
    return { next: 'done', reason: state };
  }

  /** Why nothing can be sent to the provider now, or null: checked before anything is recorded as sent. */
  function unreachable(provider: Provider): string | null {
    const { channels, skipped } = channelsOf(provider, deps.mail !== null);
    return channels.length > 0 ? null : `${provider.name} has no contact point Vigil can use (webhook URL, e-mail${skipped.length ? ` — ${skipped.join('; ')}` : ''}, or portal agency).`;
  }

  return {
    /**
     * One dispatch per channel the provider can be reached on (webhook, e-mail, portal), each
     * sent by its own job; a portal message is delivered at once. Refused when no channel is left.
     */
    unreachable,

    async create(input: NewMessage): Promise<Dispatch[]> {
      const provider = await deps.providers.get(input.providerId);
      if (!provider) throw new VigilError('VIGIL_NOT_FOUND', `No provider ${input.providerId}.`);
      const problem = unreachable(provider);
      if (problem) throw new VigilError('VIGIL_PROVIDER_NO_CONTACT', problem);
      const { channels, skipped } = channelsOf(provider, deps.mail !== null);
      const now = clock.now();
      const list: NewDispatch[] = channels.map((c) => ({
        id: ids.next(),
        providerId: provider.id,
        recipientAgencyId: c.recipientAgencyId,
        channel: c.channel,
        destination: c.destination,
        subjectKind: input.subjectKind,
        subjectId: input.subjectId,
        title: clip(input.title, DISPATCH_TITLE_MAX),
        payload: { ...input.payload, text: input.text },
        attachments: input.attachments ?? [],
        state: 'queued',
        createdAt: now,
        createdBy: by,
      }));
      await dispatches.insert(list);
      for (const d of list) {
        await deps.audit.record({ action: 'dispatch.create', targetType: 'dispatch', targetId: d.id, detail: { providerId: provider.id, channel: d.channel, subjectKind: d.subjectKind, subjectId: d.subjectId, ...(skipped.length ? { skipped } : {}) } });
        if (d.channel === 'portal') await runAttempt(await mustGet(d.id), 1);
        else await deps.enqueueSend(d.id);
      }
      return Promise.all(list.map((d) => mustGet(d.id)));
    },

    get: mustGet,
    list: (q: DispatchListQuery) => dispatches.list(q),

    /** The `dispatch.send` job: the next attempt of a dispatch that is not finished. */
    async send(dispatchId: string, signal?: AbortSignal): Promise<SendResult> {
      const d = await dispatches.get(dispatchId);
      if (!d) return { next: 'skipped', reason: `dispatch ${dispatchId} not found` };
      if (d.state === 'delivered' && d.deliveredAt !== null) {
        // A retry after the delivery was logged but telling of it failed: tell again (receipt is recorded once).
        await deps.onDelivered?.(d, d.deliveredAt);
        return { next: 'skipped', reason: 'dispatch already delivered' };
      }
      if (d.state === 'delivered' || d.state === 'failed') return { next: 'skipped', reason: `dispatch already ${d.state}` };
      return runAttempt(d, d.attempts.length + 1, signal);
    },
  };
}

export type DispatchService = ReturnType<typeof createDispatchService>;

export function createPortalService(deps: { portal: PortalRepository; audit: AuditLog; clock: Clock }) {
  return {
    list: (q: { unreceivedOnly: boolean; before?: string; limit: number }) => deps.portal.list(q),
    /** Records receipt (TCO: the clock starts at receipt). Only the first receipt counts; later calls return it unchanged. */
    async markReceived(dispatchId: string): Promise<Dispatch> {
      const at = deps.clock.now();
      if (await deps.portal.markReceived(dispatchId, at)) await deps.audit.record({ action: 'portal.receive', targetType: 'dispatch', targetId: dispatchId, detail: { receivedAt: at } });
      const d = await deps.portal.get(dispatchId);
      if (!d) throw new VigilError('VIGIL_NOT_FOUND', `No message ${dispatchId} for your agency.`);
      return d;
    },
  };
}

export type PortalService = ReturnType<typeof createPortalService>;
