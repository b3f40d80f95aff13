/**
 * The custody chain as the rest of Vigil uses it: append an evidence event, sign a checkpoint of
 * the chain's head (optionally timestamped by a TSA), and verify an agency's whole chain.
 */
import type { Clock, Ids } from '../ports.ts';
import {
  chainEvent,
  checkpointMessage,
  verifyChainWithCheckpoints,
  type ChainedEvent,
  type CheckpointBody,
  type CustodyEventKind,
} from '../../algorithms/custody-chain/custody-chain.ts';
import type { CustodyRepository, StoredCheckpoint } from './custody.repository.ts';

export interface CustodyEntry {
  kind: CustodyEventKind;
  subject: { type: string; id: string };
  data: Record<string, unknown>;
}

/** Appends evidence events as one actor. */
export interface CustodyLog {
  append(entry: CustodyEntry): Promise<ChainedEvent>;
}

export interface InstanceSigner {
  keyId: string;
  publicKeyPem: string;
  sign(message: Uint8Array): Uint8Array;
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

export interface Timestamper {
  stamp(digest: Uint8Array): Promise<{ token: Buffer; genTime: Date }>;
}

export type Sha256 = (bytes: Uint8Array) => Uint8Array;

export function createCustodyLog(deps: { custody: CustodyRepository; clock: Clock; ids: Ids; sha256: Sha256 }, actor: string): CustodyLog {
  return {
    append(entry) {
      return deps.custody.append(deps.ids.next(), (head) =>
        chainEvent(head, { agencyId: deps.custody.agencyId, seq: (head?.seq ?? 0) + 1, at: deps.clock.now(), kind: entry.kind, actor, subject: entry.subject, data: entry.data }, deps.sha256),
      );
    },
  };
}

export interface CustodyVerification {
  agencyId: string;
  ok: boolean;
  events: number;
  checkpoints: number;
  headSeq: number | null;
  firstBadSeq: number | null;
  problem: string | null;
}

/** `signer` is a getter: reading events must not create the instance key as a side effect. */
export function createCustodyService(deps: { custody: CustodyRepository; clock: Clock; ids: Ids; sha256: Sha256; signer: () => InstanceSigner; timestamper: Timestamper | null }) {
  const { custody } = deps;
  return {
    /** Signs the current head if the chain grew since the last checkpoint. Returns the new checkpoint, or null. */
    async checkpoint(): Promise<StoredCheckpoint | null> {
      const head = await custody.head();
      if (!head) return null;
      const last = await custody.latestCheckpoint();
      if (last && last.seq >= head.seq) return null;
      const signer = deps.signer();
      const body: CheckpointBody = { agencyId: custody.agencyId, seq: head.seq, headHash: head.hash, at: deps.clock.now(), instanceKeyId: signer.keyId };
      const message = checkpointMessage(body);
      const signature = Buffer.from(signer.sign(message)).toString('base64');
      let tsa: { token: Buffer; genTime: Date } | null = null;
      if (deps.timestamper) tsa = await deps.timestamper.stamp(deps.sha256(message));
      const cp: StoredCheckpoint = { id: deps.ids.next(), agencyId: custody.agencyId, seq: body.seq, headHash: body.headHash, at: body.at, instanceKeyId: body.instanceKeyId, signature, tsaToken: tsa ? tsa.token.toString('base64') : null, tsaTime: tsa ? tsa.genTime.getTime() : null };
      await custody.insertCheckpoint(cp);
      return cp;
    },

    async verify(): Promise<CustodyVerification> {
      const events = await custody.events();
      const checkpoints = await custody.checkpoints();
      const result = verifyChainWithCheckpoints(
        events,
        checkpoints.map((c) => ({ agencyId: c.agencyId, seq: c.seq, headHash: c.headHash, at: c.at, instanceKeyId: c.instanceKeyId, signature: Buffer.from(c.signature, 'base64') })),
        deps.sha256,
        (msg, sig, keyId) => keyId === deps.signer().keyId && deps.signer().verify(msg, sig),
        { expectedAgencyId: custody.agencyId },
      );
      return {
        agencyId: custody.agencyId,
        ok: result.ok,
        events: events.length,
        checkpoints: checkpoints.length,
        headSeq: events.at(-1)?.seq ?? null,
        firstBadSeq: result.ok ? null : result.firstBadSeq,
        problem: result.ok ? null : result.message,
      };
    },

    eventsFor: (subjectType: string, ids: string[]) => custody.eventsFor(subjectType, ids),
    checkpoints: () => custody.checkpoints(),
  };
}

export type CustodyService = ReturnType<typeof createCustodyService>;
