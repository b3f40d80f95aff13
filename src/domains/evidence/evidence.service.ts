/**
 * Exporting one item as a signed WACZ: its WARC records, screenshots, a manifest (item, captures,
 * blob hashes, custody events with an inclusion proof up to a signed checkpoint, tool versions).
 * The export itself is then recorded in the custody chain with the package's hash.
 */
import type { Readable } from 'node:stream';
import type { Clock } from '../ports.ts';
import type { AuditLog } from '../audit/audit.service.ts';
import type { FileBlobStore } from '../../adapters/blob/file-blob-store.ts';
import { writeWacz } from '../../adapters/evidence/wacz.ts';
import { FETCHER_VERSION } from '../../adapters/fetch/safe-fetch.ts';
import { computeBodyDigest, type ProofEvent, type Sha256 } from '../../algorithms/custody-chain/custody-chain.ts';
import { VigilError } from '../../errors/vigil-error.ts';
import type { Agency } from '../agency/agency.model.ts';
import type { CustodyRepository } from '../custody/custody.repository.ts';
import type { CustodyLog, CustodyService, InstanceSigner } from '../custody/custody.service.ts';
import type { IntakeRepository } from '../intake/intake.repository.ts';
import { toCaptureView, toItemView } from '../intake/intake.views.ts';
import { EVIDENCE_FORMAT, type EvidenceManifest } from './evidence.model.ts';

export interface EvidenceDeps {
  agency: Agency;
  items: IntakeRepository;
  custodyRepo: CustodyRepository;
  custody: CustodyService;
  custodyLog: CustodyLog;
  store: FileBlobStore;
  signer: InstanceSigner;
  audit: AuditLog;
  clock: Clock;
  sha256: Sha256;
  actor: string;
  software: string;
}

async function readBlob(store: FileBlobStore, hex: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of store.open(hex) as Readable) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export function createEvidenceService(deps: EvidenceDeps) {
  return {
    async exportItem(itemId: string, outPath: string): Promise<{ path: string; sha256: string; bytes: number; manifest: EvidenceManifest }> {
      const item = await deps.items.getItem(itemId);
      if (!item) throw new VigilError('VIGIL_NOT_FOUND', `No item ${itemId}.`);
      const captures = await deps.items.capturesOf(itemId);
      const shots = await deps.items.screenshotsOf(captures.map((c) => c.id));
      const ok = captures.filter((c) => c.state === 'ok');
      if (ok.length === 0) throw new VigilError('VIGIL_EVIDENCE_UNAVAILABLE', `Item ${itemId} has no successful capture yet.`);

      const warcs: EvidenceManifest['warcs'] = [];
      const warcBytes: Uint8Array[] = [];
      for (const c of ok) {
        if (!c.warcSha256) continue;
        const bytes = await readBlob(deps.store, c.warcSha256);
        warcs.push({ captureId: c.id, hash: `sha256:${c.warcSha256}`, size: bytes.length });
        warcBytes.push(bytes);
      }
      // A WACZ needs WARC records: refuse before anything is signed or recorded.
      if (warcBytes.length === 0) throw new VigilError('VIGIL_EVIDENCE_UNAVAILABLE', `Item ${itemId} has no captured WARC records to package.`);
      const screenshots = [];
      const screenshotFiles = [];
      for (const s of shots) {
        const name = `${s.captureId}-${s.id}`;
        screenshots.push({ captureId: s.captureId, path: `vigil/screenshots/${name}.png`, hash: `sha256:${s.sha256}` });
        screenshotFiles.push({ name, png: await readBlob(deps.store, s.sha256) });
      }

      // Events of the item, then a checkpoint that covers the newest of them (signed now if needed).
      const events = await deps.custody.eventsFor('item', [itemId]);
      let custody: EvidenceManifest['custody'] = null;
      if (events.length > 0) {
        const newest = events[events.length - 1]!.seq;
        let cp = await deps.custodyRepo.latestCheckpoint();
        if (!cp || cp.seq < newest) cp = (await deps.custody.checkpoint()) ?? cp;
        if (!cp) throw new Error('no checkpoint could be signed');
        const slice = await deps.custodyRepo.events({ fromSeq: events[0]!.seq, toSeq: cp.seq });
        const mine = new Set(events.map((e) => e.seq));
        const proof: ProofEvent[] = slice.map((e) =>
          mine.has(e.seq) ? { seq: e.seq, prevHash: e.prevHash, hash: e.hash, event: { agencyId: e.agencyId, seq: e.seq, at: e.at, kind: e.kind, actor: e.actor, subject: e.subject, data: e.data } } : { seq: e.seq, prevHash: e.prevHash, hash: e.hash, bodyDigest: computeBodyDigest(e, deps.sha256) },
        );
        custody = {
          events: events.map(({ agencyId, seq, at, kind, actor, subject, data, prevHash, hash }) => ({ agencyId, seq, at, kind, actor, subject, data, prevHash, hash })),
          proof,
          checkpoint: { agencyId: cp.agencyId, seq: cp.seq, headHash: cp.headHash, at: cp.at, instanceKeyId: cp.instanceKeyId, signature: cp.signature, tsaToken: cp.tsaToken, tsaTime: cp.tsaTime },
          instanceKey: { keyId: deps.signer.keyId, publicKeyPem: deps.signer.publicKeyPem },
        };
      }

      const exportedAt = deps.clock.now();
      const manifest: EvidenceManifest = {
        format: EVIDENCE_FORMAT,
        exportedAt,
        exportedBy: deps.actor,
        agency: { id: deps.agency.id, name: deps.agency.name, kind: deps.agency.kind },
        item: toItemView(item),
        captures: captures.map((c) => toCaptureView(c, shots)),
        warcs,
        screenshots,
        custody,
        tools: { vigil: deps.software, node: process.version, fetcher: FETCHER_VERSION },
      };
      const written = await writeWacz(outPath, {
        title: `Vigil evidence: ${item.url}`,
        description: `Item ${item.id} of ${deps.agency.name}`,
        created: exportedAt,
        software: deps.software,
        warcs: warcBytes,
        manifest,
        screenshots: screenshotFiles,
        sign: deps.signer,
      });
      await deps.custodyLog.append({ kind: 'export', subject: { type: 'item', id: itemId }, data: { packageSha256: written.sha256, bytes: written.bytes, captures: ok.length } });
      await deps.audit.record({ action: 'evidence.export', targetType: 'item', targetId: itemId, detail: { packageSha256: written.sha256, bytes: written.bytes } });
      return { path: outPath, sha256: written.sha256, bytes: written.bytes, manifest };
    },
  };
}

export type EvidenceService = ReturnType<typeof createEvidenceService>;
