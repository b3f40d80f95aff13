/**
 * The custody chain: every evidence event of an agency, append-only and hash-chained, so that an
 * edited, deleted, inserted or reordered row is detectable by anyone holding the events, offline,
 * without the database. Signed checkpoints pin the chain's head at moments in time, which is what
 * catches a rewrite of the tail (deleting the last events, or recomputing every hash after an edit).
 *
 * Byte formats, fixed so that a third party can re-implement verification (all hashes SHA-256,
 * written as 64 lowercase hex digits; `canonical` is RFC 8785 canonical JSON, see canonical-json.ts;
 * strings are UTF-8 encoded before hashing or signing):
 *
 *   genesis(agencyId) = sha256("vigil-custody-genesis:" + agencyId)
 *   event.bodyDigest  = sha256("vigil-custody-body-v1\n" + canonical({agencyId, seq, at, kind,
 *                              actor, subject: {type, id}, data}))
 *   event.hash        = sha256("vigil-custody-event-v2\n" + prevHash + "\n" + bodyDigest)
 *   checkpoint signed = "vigil-custody-checkpoint-v1\n" + canonical({agencyId, seq, headHash, at,
 *                              instanceKeyId})            (Ed25519 over these bytes, in the adapter)
 *
 * The first event of an agency (seq 1) has prevHash = genesis(agencyId), so a chain cannot be
 * moved to another agency, and seq is gapless from 1. The prefixes separate the domains: an event
 * hash can never be presented as a checkpoint message, nor a checkpoint signature as a signature
 * over anything else the instance key signs (evidence packages use their own prefix).
 *
 * The body is hashed on its own so that an evidence package can prove its item's events belong to
 * the signed chain while showing only (seq, prevHash, bodyDigest) of the other events in between:
 * every link is still recomputed, but no other item's details leave the agency.
 *
 * Pure: hashing and signature checks come in as functions (ports), so this runs unchanged in the
 * server, the CLI and an offline verifier.
 */
import { canonicalJson, CanonicalJsonError } from './canonical-json.ts';

/** Kinds of evidence event. Extend here; `chainEvent` refuses anything else. */
export const CUSTODY_EVENT_KINDS = ['capture', 'blob.stored', 'export', 'content.view', 'deletion.refused'] as const;
export type CustodyEventKind = (typeof CUSTODY_EVENT_KINDS)[number];

export type CustodyEventBody = {
  agencyId: string;
  /** 1-based, gapless per agency. */
  seq: number;
  /** Epoch milliseconds. */
  at: number;
  /** One of CUSTODY_EVENT_KINDS; typed as string because stored and exported events are read back as text. */
  kind: string;
  actor: string;
  subject: { type: string; id: string };
  data: Record<string, unknown>;
};

export type ChainedEvent = CustodyEventBody & {
  /** Hex SHA-256: the previous event's hash, or the agency's genesis value for seq 1. */
  prevHash: string;
  /** Hex SHA-256 of this event (see the module comment). */
  hash: string;
};

/** SHA-256 port: the adapter passes node:crypto's, a browser could pass WebCrypto's result. */
export type Sha256 = (bytes: Uint8Array) => Uint8Array;

export type ChainProblem = 'hash-mismatch' | 'prev-hash-mismatch' | 'seq-gap' | 'seq-order' | 'agency-mismatch' | 'genesis-mismatch';

export type ChainFailure = {
  ok: false;
  /** The seq at which the chain stops being consistent (see verifyChain for which one is named). */
  firstBadSeq: number | null;
  /** Position in the array given. */
  index: number;
  problem: ChainProblem;
  message: string;
};

export type ChainVerification = { ok: true; count: number; headHash: string | null } | ChainFailure;

export type CheckpointBody = {
  agencyId: string;
  /** Seq of the head event at signing. */
  seq: number;
  /** Hash of that head event. */
  headHash: string;
  /** Epoch milliseconds. */
  at: number;
  /** Id of the instance key that signed (see adapters/crypto/instance-key.ts). */
  instanceKeyId: string;
};

/** A checkpoint as stored: its body and the signature over checkpointMessage(body). */
export type SignedCheckpoint = CheckpointBody & { signature: Uint8Array };

/** Signature port; receives the key id so that a verifier can hold several instance keys. */
export type VerifySignature = (message: Uint8Array, signature: Uint8Array, instanceKeyId: string) => boolean;

export type CheckpointProblem = 'checkpoint-signature' | 'checkpoint-agency-mismatch' | 'checkpoint-beyond-chain' | 'checkpoint-head-mismatch';

export type CheckpointFailure = {
  ok: false;
  firstBadSeq: number | null;
  /** Index of the event at firstBadSeq, or events.length when the chain ends before it. */
  index: number;
  /** Position of the failing checkpoint in the array given. */
  checkpointIndex: number;
  problem: CheckpointProblem;
  message: string;
};

export type ChainWithCheckpointsVerification =
  | { ok: true; count: number; headHash: string | null; /** Highest seq a verified checkpoint vouches for, 0 if none. */ checkpointedThroughSeq: number }
  | ChainFailure
  | CheckpointFailure;

export class CustodyChainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CustodyChainError';
  }
}

const GENESIS_PREFIX = 'vigil-custody-genesis:';
const BODY_PREFIX = 'vigil-custody-body-v1\n';
const EVENT_PREFIX = 'vigil-custody-event-v2\n';
const CHECKPOINT_PREFIX = 'vigil-custody-checkpoint-v1\n';

const utf8 = new TextEncoder();

function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

function sha256Hex(sha256: Sha256, text: string): string {
  return toHex(sha256(utf8.encode(text)));
}

/** The prevHash of an agency's first event. */
export function genesisHash(agencyId: string, sha256: Sha256): string {
  return sha256Hex(sha256, GENESIS_PREFIX + agencyId);
}

/**
 * The hash an event must carry. Only the fields of CustodyEventBody and prevHash are covered,
 * picked by name, so a row's extra columns (its database id) never change it.
 *
 * @throws CanonicalJsonError when `data` holds something with no JSON form.
 */
export function computeEventHash(body: CustodyEventBody, prevHash: string, sha256: Sha256): string {
  return linkHash(prevHash, computeBodyDigest(body, sha256), sha256);
}

/** The digest of an event's own fields, without its place in the chain. */
export function computeBodyDigest(body: CustodyEventBody, sha256: Sha256): string {
  const { agencyId, seq, at, kind, actor, subject, data } = body;
  return sha256Hex(sha256, BODY_PREFIX + canonicalJson({ agencyId, seq, at, kind, actor, subject: { type: subject.type, id: subject.id }, data }));
}

/** An event's hash from its predecessor's hash and its body digest. */
export function linkHash(prevHash: string, bodyDigest: string, sha256: Sha256): string {
  return sha256Hex(sha256, `${EVENT_PREFIX}${prevHash}\n${bodyDigest}`);
}

/** One event as an inclusion proof shows it: full for the exported subject's events, digest-only for the rest. */
export type ProofEvent = { seq: number; prevHash: string; hash: string } & ({ event: CustodyEventBody } | { bodyDigest: string });

/**
 * Checks that `proof` (consecutive seqs from some event up to a signed checkpoint's head) links
 * every listed event to that head: each hash is recomputed from prevHash and either the full body
 * or the given body digest, and each prevHash must be the previous entry's hash.
 */
export function verifyInclusionProof(proof: readonly ProofEvent[], checkpoint: CheckpointBody, sha256: Sha256): { ok: true } | { ok: false; seq: number | null; message: string } {
  if (proof.length === 0) return { ok: false, seq: null, message: 'the proof is empty' };
  for (let i = 0; i < proof.length; i++) {
    const p = proof[i]!;
    if (i > 0) {
      const prev = proof[i - 1]!;
      if (p.seq !== prev.seq + 1) return { ok: false, seq: p.seq, message: `seq ${p.seq} does not follow ${prev.seq}` };
      if (p.prevHash !== prev.hash) return { ok: false, seq: p.seq, message: `event ${p.seq} does not link to event ${prev.seq}` };
    } else if (p.seq === 1 && p.prevHash !== genesisHash(checkpoint.agencyId, sha256)) {
      return { ok: false, seq: 1, message: 'event 1 does not start from the agency’s genesis value' };
    }
    let digest: string;
    if ('event' in p) {
      if (p.event.seq !== p.seq || p.event.agencyId !== checkpoint.agencyId) return { ok: false, seq: p.seq, message: `event ${p.seq} is not the agency’s event at that position` };
      digest = computeBodyDigest(p.event, sha256);
    } else {
      digest = p.bodyDigest;
    }
    if (linkHash(p.prevHash, digest, sha256) !== p.hash) return { ok: false, seq: p.seq, message: `event ${p.seq}: hash does not match its content` };
  }
  const last = proof[proof.length - 1]!;
  if (last.seq !== checkpoint.seq || last.hash !== checkpoint.headHash) return { ok: false, seq: last.seq, message: `the proof ends at seq ${last.seq}, not at the checkpoint's head ${checkpoint.seq}` };
  return { ok: true };
}

/**
 * The next event of a chain: `prev` is the current head (null for the agency's first event).
 *
 * @example
 * const first = chainEvent(null, { agencyId, seq: 1, at: clock.now(), kind: 'capture', actor: userId,
 *   subject: { type: 'item', id: itemId }, data: { captureId } }, sha256);
 * @throws CustodyChainError when seq does not follow prev, the agency differs, the kind is unknown,
 *   or seq/at are not safe integers; CanonicalJsonError when `data` has no JSON form.
 */
export function chainEvent(prev: ChainedEvent | null, body: CustodyEventBody, sha256: Sha256): ChainedEvent {
  const expectedSeq = prev === null ? 1 : prev.seq + 1;
  if (body.seq !== expectedSeq) throw new CustodyChainError(`seq must be ${expectedSeq}, got ${body.seq}`);
  if (prev !== null && body.agencyId !== prev.agencyId) {
    throw new CustodyChainError(`agency ${body.agencyId} cannot extend the chain of agency ${prev.agencyId}`);
  }
  if (body.agencyId === '') throw new CustodyChainError('agencyId is empty');
  if (!Number.isSafeInteger(body.at)) throw new CustodyChainError(`at must be integer epoch milliseconds, got ${body.at}`);
  if (!(CUSTODY_EVENT_KINDS as readonly string[]).includes(body.kind)) throw new CustodyChainError(`unknown custody event kind: ${body.kind}`);
  const { agencyId, seq, at, kind, actor, subject, data } = body;
  const prevHash = prev === null ? genesisHash(agencyId, sha256) : prev.hash;
  const event = { agencyId, seq, at, kind, actor, subject: { type: subject.type, id: subject.id }, data };
  return { ...event, prevHash, hash: computeEventHash(event, prevHash, sha256) };
}

/**
 * Verifies a chain given in seq order, starting at `fromSeq` (default 1; from 1 the first event
 * must link to the genesis value, from a later seq its prevHash is taken on trust). Any values in
 * events of the declared shape are reported on, never thrown on (an offline verifier reads
 * untrusted files); checking that shape is the file reader's job.
 *
 * Each event is checked, in this order: agency (`expectedAgencyId`, else the first event's),
 * its own hash, its seq (= fromSeq + position), its link to the previous event. The first failure
 * is returned, and `firstBadSeq` names the seq whose position is the first that does not hold:
 * - an edited row (hash not recomputed): that row;
 * - a deleted row: the missing seq (`seq-gap`);
 * - rows in the wrong order: the first seq out of place (`seq-order`); a seq occurring twice: that seq;
 * - an inserted row with a wrong hash: that row; one whose hash was computed correctly: the first
 *   genuine row it displaced (renumbered: `hash-mismatch`; not renumbered: `seq-order`);
 * - a row rewritten with its hash recomputed: the row after it (`prev-hash-mismatch`), because a
 *   consistent forgery cannot be told from a genuine event by the chain alone.
 * Deleting or rewriting the last rows leaves a shorter or different but consistent chain: that is
 * what checkpoints catch (verifyChainWithCheckpoints).
 */
export function verifyChain(
  events: readonly ChainedEvent[],
  sha256: Sha256,
  options: { expectedAgencyId?: string; fromSeq?: number } = {},
): ChainVerification {
  const fromSeq = options.fromSeq ?? 1;
  const agencyId = options.expectedAgencyId ?? events[0]?.agencyId;
  for (let index = 0; index < events.length; index++) {
    const event = events[index]!;
    const seq = fromSeq + index;
    const fail = (problem: ChainProblem, message: string, firstBadSeq: number = seq): ChainFailure => ({ ok: false, firstBadSeq, index, problem, message });

    if (event.agencyId !== agencyId) return fail('agency-mismatch', `event ${seq} belongs to agency ${event.agencyId}, not ${agencyId}`);

    let hash: string;
    try {
      hash = computeEventHash(event, event.prevHash, sha256);
    } catch (e) {
      if (!(e instanceof CanonicalJsonError)) throw e;
      return fail('hash-mismatch', `event ${seq} cannot be hashed: ${e.message}`);
    }
    if (hash !== event.hash) return fail('hash-mismatch', `event ${seq} does not match its hash: a field was changed after it was recorded`);

    if (event.seq !== seq) {
      if (Number.isSafeInteger(event.seq) && event.seq < seq) {
        return fail('seq-order', `seq ${event.seq} occurs again at position ${index}, where seq ${seq} belongs`, event.seq);
      }
      const later = events.findIndex((e, i) => i > index && e.seq === seq);
      if (later !== -1) return fail('seq-order', `seq ${seq} is out of order: found at position ${later}, seq ${event.seq} at its place`);
      const gap = Number.isSafeInteger(event.seq) && event.seq > seq + 1 ? `${seq}–${event.seq - 1}` : `${seq}`;
      return fail('seq-gap', `seq ${gap} missing: the chain goes on with seq ${event.seq}`);
    }

    if (index === 0) {
      if (fromSeq === 1 && event.prevHash !== genesisHash(event.agencyId, sha256)) {
        return fail('genesis-mismatch', `event 1 does not start agency ${event.agencyId}'s chain`);
      }
    } else if (event.prevHash !== events[index - 1]!.hash) {
      return fail(
        'prev-hash-mismatch',
        `event ${seq} does not link to event ${seq - 1}: event ${seq - 1} was rewritten (with its hash recomputed), replaced, or inserted`,
      );
    }
  }
  return { ok: true, count: events.length, headHash: events.at(-1)?.hash ?? null };
}

/** The bytes the instance key signs for a checkpoint. */
export function checkpointMessage(body: CheckpointBody): Uint8Array {
  const { agencyId, seq, headHash, at, instanceKeyId } = body;
  return utf8.encode(CHECKPOINT_PREFIX + canonicalJson({ agencyId, seq, headHash, at, instanceKeyId }));
}

/** Whether `signature` is the instance key's signature of this checkpoint. A malformed body is false. */
export function verifyCheckpoint(body: CheckpointBody, signature: Uint8Array, verify: VerifySignature): boolean {
  let message: Uint8Array;
  try {
    message = checkpointMessage(body);
  } catch (e) {
    if (e instanceof CanonicalJsonError) return false;
    throw e;
  }
  return verify(message, signature, body.instanceKeyId);
}

/**
 * verifyChain (from seq 1), then every checkpoint in seq order: its signature, its agency, and
 * that the chain's event at its seq exists and has its headHash. Reports, as verifyChain does.
 *
 * A checkpoint past the end of the chain means the tail was deleted: firstBadSeq is the first
 * missing seq. A checkpoint whose headHash differs means the chain was rewritten consistently
 * (every hash recomputed) somewhere after the previous matching checkpoint: firstBadSeq is the
 * first seq no longer vouched for, and the message gives the range.
 */
export function verifyChainWithCheckpoints(
  events: readonly ChainedEvent[],
  checkpoints: readonly SignedCheckpoint[],
  sha256: Sha256,
  verifySignature: VerifySignature,
  options: { expectedAgencyId?: string } = {},
): ChainWithCheckpointsVerification {
  const chain = verifyChain(events, sha256, options);
  if (!chain.ok) return chain;
  const agencyId = options.expectedAgencyId ?? events[0]?.agencyId;
  const order = checkpoints.map((checkpoint, checkpointIndex) => ({ checkpoint, checkpointIndex })).sort((a, b) => a.checkpoint.seq - b.checkpoint.seq);
  let vouchedSeq = 0;
  for (const { checkpoint, checkpointIndex } of order) {
    const { seq } = checkpoint;
    const validSeq = Number.isSafeInteger(seq) && seq >= 1;
    const fail = (problem: CheckpointProblem, message: string, firstBadSeq = validSeq ? seq : null): CheckpointFailure => ({
      ok: false,
      firstBadSeq,
      index: firstBadSeq === null ? events.length : Math.min(firstBadSeq - 1, events.length),
      checkpointIndex,
      problem,
      message,
    });
    if (!verifyCheckpoint(checkpoint, checkpoint.signature, verifySignature)) {
      return fail('checkpoint-signature', `checkpoint at seq ${seq} is not signed by instance key ${checkpoint.instanceKeyId}`);
    }
    if (agencyId !== undefined && checkpoint.agencyId !== agencyId) {
      return fail('checkpoint-agency-mismatch', `checkpoint at seq ${seq} is for agency ${checkpoint.agencyId}, not ${agencyId}`);
    }
    if (!validSeq) return fail('checkpoint-head-mismatch', `checkpoint has no valid seq: ${seq}`);
    if (seq > events.length) {
      const missing = events.length + 1 === seq ? `${seq}` : `${events.length + 1}–${seq}`;
      return fail('checkpoint-beyond-chain', `a signed checkpoint vouches for seq ${seq}, but the chain ends at ${events.length}: seq ${missing} deleted`, events.length + 1);
    }
    if (events[seq - 1]!.hash !== checkpoint.headHash) {
      return fail('checkpoint-head-mismatch', `the chain at seq ${seq} differs from the signed checkpoint: events ${vouchedSeq + 1}–${seq} were rewritten`, vouchedSeq + 1);
    }
    vouchedSeq = seq;
  }
  return { ...chain, checkpointedThroughSeq: vouchedSeq };
}
