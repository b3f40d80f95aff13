/**
 * Dispatches: one outbound message to a provider through one channel, with its delivery log.
 * Pure: the states, the retry schedule and the decision after each attempt live here.
 *
 * TCO Art. 3(5) asks for electronic means that make a written record and fix the times of sending
 * and receipt: every attempt is logged with its time and answer, `deliveredAt` is when the
 * provider's system accepted the message (HTTP 2xx, SMTP 250, or at once for the portal), and
 * `receivedAt` is when the provider acknowledged it (portal receipt; callbacks later).
 */

export const CHANNELS = ['webhook', 'email', 'portal'] as const;
export type Channel = (typeof CHANNELS)[number];

export const SUBJECT_KINDS = ['referral', 'order', 'notice'] as const;
export type SubjectKind = (typeof SUBJECT_KINDS)[number];

export const DISPATCH_STATES = ['queued', 'delivering', 'delivered', 'failed'] as const;
export type DispatchState = (typeof DISPATCH_STATES)[number];

/** `refused`: not sent at all (forbidden address, no secret); never retried. */
export const ATTEMPT_STATUSES = ['delivered', 'failed', 'refused'] as const;
export type AttemptStatus = (typeof ATTEMPT_STATUSES)[number];

/**
 * Waits before the 2nd, 3rd, … attempt: quick at first (a receiver restarting), then spread over
 * about a day (an outage). Seven attempts in all.
 */
export const DISPATCH_BACKOFF_MS = [30_000, 2 * 60_000, 10 * 60_000, 60 * 60_000, 6 * 60 * 60_000, 24 * 60 * 60_000] as const;
export const DISPATCH_MAX_ATTEMPTS = DISPATCH_BACKOFF_MS.length + 1;
/** Characters of an error or an answer kept per attempt. */
export const DISPATCH_ERROR_MAX = 1000;
/** Title of a message (e-mail subject, portal heading). */
export const DISPATCH_TITLE_MAX = 300;
export const DISPATCH_PAGE_MAX = 200;

export interface DispatchAttachment {
  filename: string;
  contentType: string;
  /** A blob of the sending agency, by its SHA-256 (hex). */
  sha256: string;
}

export interface DispatchAttempt {
  attempt: number;
  at: number;
  status: AttemptStatus;
  httpStatus: number | null;
  error: string | null;
  durationMs: number;
}

export interface Dispatch {
  id: string;
  agencyId: string;
  providerId: string;
  /** The provider's agency when the dispatch was made: whose portal shows it. */
  recipientAgencyId: string | null;
  channel: Channel;
  /** The webhook URL or e-mail address used, fixed at creation; null for the portal. */
  destination: string | null;
  subjectKind: SubjectKind;
  subjectId: string;
  title: string;
  payload: Record<string, unknown>;
  attachments: DispatchAttachment[];
  state: DispatchState;
  lastError: string | null;
  attempts: DispatchAttempt[];
  createdAt: number;
  createdBy: string | null;
  updatedAt: number;
  deliveredAt: number | null;
  receivedAt: number | null;
}

/** HTTP answers worth retrying: the receiver is overloaded, restarting, or says "later". */
export function isRetryableHttpStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 425 || status === 429;
}

export type AfterAttempt = { next: 'delivered' } | { next: 'retry'; delayMs: number } | { next: 'failed' };

/**
 * What follows attempt number `attempt` (1-based): done, another try after the schedule's wait, or
 * failure once the attempts are spent or the outcome is not one a retry can change.
 */
export function afterAttempt(attempt: number, outcome: { status: AttemptStatus; retryable: boolean }): AfterAttempt {
  if (outcome.status === 'delivered') return { next: 'delivered' };
  if (outcome.status === 'refused' || !outcome.retryable || attempt >= DISPATCH_MAX_ATTEMPTS) return { next: 'failed' };
  return { next: 'retry', delayMs: DISPATCH_BACKOFF_MS[Math.min(Math.max(0, attempt - 1), DISPATCH_BACKOFF_MS.length - 1)]! };
}

export function clip(text: string, max = DISPATCH_ERROR_MAX): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** The JSON a webhook receives and an e-mail carries as an attachment: the same document for both. */
export function messageDocument(d: Pick<Dispatch, 'id' | 'subjectKind' | 'subjectId' | 'title' | 'payload' | 'createdAt'>, from: { agencyId: string; agencyName: string }): Record<string, unknown> {
  return { id: d.id, kind: d.subjectKind, subjectId: d.subjectId, title: d.title, sentAt: new Date(d.createdAt).toISOString(), from, payload: d.payload };
}
