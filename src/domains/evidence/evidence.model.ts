/**
 * The manifest inside an evidence package (vigil/manifest.json). Pure types and the one rule that
 * ties the package's WARC bytes to the captures it lists.
 */
import type { CheckpointBody, CustodyEventBody, ProofEvent } from '../../algorithms/custody-chain/custody-chain.ts';

export const EVIDENCE_FORMAT = 'vigil-evidence/1';

export interface EvidenceManifest {
  format: typeof EVIDENCE_FORMAT;
  exportedAt: number;
  exportedBy: string;
  agency: { id: string; name: string; kind: string };
  item: Record<string, unknown>;
  captures: Record<string, unknown>[];
  /** In package order: archive/data.warc.gz is these blobs concatenated. */
  warcs: { captureId: string; hash: string; size: number }[];
  screenshots: { captureId: string; path: string; hash: string }[];
  custody: {
    /** The item's own events, in full. */
    events: (CustodyEventBody & { prevHash: string; hash: string })[];
    /** Consecutive events from the item's first event to the checkpoint's head; others shown by digest only. */
    proof: ProofEvent[];
    checkpoint: CheckpointBody & { signature: string; tsaToken: string | null; tsaTime: number | null };
    instanceKey: { keyId: string; publicKeyPem: string };
  } | null;
  tools: Record<string, string>;
}

/** Splits the concatenated WARC bytes back into the listed blobs by their sizes. */
export function splitBySizes(bytes: Uint8Array, sizes: readonly number[]): Uint8Array[] | null {
  const out: Uint8Array[] = [];
  let offset = 0;
  for (const size of sizes) {
    if (offset + size > bytes.length) return null;
    out.push(bytes.subarray(offset, offset + size));
    offset += size;
  }
  return offset === bytes.length ? out : null;
}
