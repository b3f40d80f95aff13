/** Storing and reading blobs for one agency. Every read of content is audited. */
import type { Readable } from 'node:stream';
import type { Clock } from '../ports.ts';
import type { AuditLog } from '../audit/audit.service.ts';
import { VigilError } from '../../errors/vigil-error.ts';
import { BlobEmptyError, BlobTooLargeError, type FileBlobStore } from '../../adapters/blob/file-blob-store.ts';
import { formatBlobHash, type BlobInfo } from './blob.model.ts';
import type { BlobRepository } from './blob.repository.ts';

export interface BlobServiceDeps {
  store: FileBlobStore;
  blobs: BlobRepository;
  audit: AuditLog;
  clock: Clock;
  maxBytes: number;
}

export function createBlobService(deps: BlobServiceDeps) {
  return {
    async put(body: Readable, mediaType: string | null, userId: string | null): Promise<BlobInfo & { created: boolean }> {
      let stored;
      try {
        stored = await deps.store.put(body, deps.maxBytes);
      } catch (e) {
        if (e instanceof BlobTooLargeError) throw new VigilError('VIGIL_BLOB_TOO_LARGE', `The blob is larger than the limit of ${deps.maxBytes} bytes; nothing was stored.`);
        if (e instanceof BlobEmptyError) throw new VigilError('VIGIL_BLOB_EMPTY');
        throw e;
      }
      const created = await deps.blobs.reference(stored.sha256, stored.size, mediaType, userId, deps.clock.now());
      await deps.audit.record({ action: 'blob.store', targetType: 'blob', targetId: formatBlobHash(stored.sha256), detail: { size: stored.size, newForAgency: created, newOnDisk: stored.created } });
      const info = await deps.blobs.get(stored.sha256);
      if (!info) throw new Error('blob reference vanished after insert');
      return { ...info, created };
    },

    async info(sha256: string): Promise<BlobInfo> {
      const info = await deps.blobs.get(sha256);
      if (!info) throw new VigilError('VIGIL_NOT_FOUND', `No blob ${formatBlobHash(sha256)} in this agency.`);
      return info;
    },

    /** Opens the content for reading and audits the read before a byte leaves. */
    async open(sha256: string): Promise<{ info: BlobInfo; stream: Readable }> {
      const info = await this.info(sha256);
      await deps.audit.record({ action: 'blob.read', targetType: 'blob', targetId: info.hash, detail: { size: info.size } });
      return { info, stream: deps.store.open(sha256) };
    },
  };
}

export type BlobService = ReturnType<typeof createBlobService>;
