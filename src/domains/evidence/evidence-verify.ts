/**
 * Offline verification of an evidence package: no database, only the file (and optionally the
 * instance public key the court was given). Checks the WACZ (every hash, the signature, every WARC
 * record), that the WARC bytes are exactly the captures' listed WARC blobs, and that the item's
 * custody events are included in the chain whose head the instance signed.
 */
import { createHash } from 'node:crypto';
import yauzl from 'yauzl';
import { verifyWacz, type WaczVerification } from '../../adapters/evidence/wacz.ts';
import { verifyWithPublicKey } from '../../adapters/crypto/instance-key.ts';
import { checkpointMessage, verifyInclusionProof } from '../../algorithms/custody-chain/custody-chain.ts';
import { EVIDENCE_FORMAT, splitBySizes, type EvidenceManifest } from './evidence.model.ts';

const sha256 = (b: Uint8Array): Uint8Array => createHash('sha256').update(b).digest();
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

async function readEntry(path: string, name: string): Promise<Buffer | null> {
  return new Promise((resolve) => {
    yauzl.open(path, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return resolve(null);
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName !== name) return zip.readEntry();
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return resolve(null);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            zip.close();
            resolve(Buffer.concat(chunks));
          });
          stream.on('error', () => resolve(null));
        });
      });
      zip.on('end', () => resolve(null));
      zip.on('error', () => resolve(null));
      zip.readEntry();
    });
  });
}

export async function verifyEvidencePackage(path: string, publicKeyPem?: string): Promise<WaczVerification> {
  const result = await verifyWacz(path, publicKeyPem ? { publicKeyPem } : {});
  const problems = [...result.problems];
  const m = result.manifest as EvidenceManifest | null;
  if (!m || m.format !== EVIDENCE_FORMAT) {
    problems.push({ path: 'vigil/manifest.json', problem: `not a ${EVIDENCE_FORMAT} manifest` });
    return { ...result, ok: false, problems };
  }
  if (result.ok) {
    const warc = await readEntry(path, 'archive/data.warc.gz');
    const parts = warc ? splitBySizes(warc, m.warcs.map((w) => w.size)) : null;
    if (!parts) problems.push({ path: 'archive/data.warc.gz', problem: 'its length is not the sum of the listed WARC blobs' });
    else parts.forEach((p, i) => {
      if (`sha256:${hex(sha256(p))}` !== m.warcs[i]!.hash) problems.push({ path: 'archive/data.warc.gz', problem: `segment ${i + 1} is not WARC blob ${m.warcs[i]!.hash} of capture ${m.warcs[i]!.captureId}` });
    });
  }
  try {
    checkCustody(m, publicKeyPem, problems);
  } catch (e) {
    // A tampered manifest can hold values with no canonical form; that is a refusal, not a crash.
    problems.push({ path: 'vigil/manifest.json', problem: `custody section cannot be checked: ${(e as Error).message}` });
  }
  return { ...result, ok: problems.length === 0, problems };
}

function checkCustody(m: EvidenceManifest, publicKeyPem: string | undefined, problems: WaczVerification['problems']): void {
  if (m.custody) {
    const { checkpoint, proof, events, instanceKey } = m.custody;
    const key = publicKeyPem ?? instanceKey.publicKeyPem;
    const { signature, tsaToken: _t, tsaTime: _tt, ...body } = checkpoint;
    if (!verifyWithPublicKey(key, checkpointMessage(body), Buffer.from(signature, 'base64'))) problems.push({ path: 'vigil/manifest.json', problem: `custody checkpoint at seq ${checkpoint.seq} is not signed by ${publicKeyPem ? 'the given key' : `instance key ${instanceKey.keyId}`}` });
    const inclusion = verifyInclusionProof(proof, body, sha256);
    if (!inclusion.ok) problems.push({ path: 'vigil/manifest.json', problem: `custody proof: ${inclusion.message}` });
    const shown = new Map(proof.filter((p) => 'event' in p).map((p) => [p.seq, p.hash]));
    for (const e of events) if (shown.get(e.seq) !== e.hash) problems.push({ path: 'vigil/manifest.json', problem: `custody event ${e.seq} of the item is not covered by the proof` });
  }
}
