/**
 * PDQ decode + hash time per image, split into decode (sharp) and hash
 * (computePdq), as medians over repeated runs.
 *
 *   node bench/pdq-hash.ts [runs]
 *
 * Images: the 1600x1004 bridge JPEG from the shared vectors, and a synthetic
 * 12 MP (4000x3000) JPEG generated here.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createRequire } from 'node:module';
import { decodeImageForPdq, hashImagePdq } from '../src/adapters/media/image-decode.ts';
import { computePdq, pdqToHex } from '../src/algorithms/pdq/pdq.ts';
import { vectorsDir } from '../test/vectors.ts';

// sharp-phash is CommonJS (module.exports = fn) while its types declare an ES default export.
const phash = createRequire(import.meta.url)('sharp-phash') as (image: Buffer) => Promise<string>;

const runs = Number(process.argv[2] ?? 30);
const warmup = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A photo-like 8-bit RGB test card: smooth gradients, edges and grain. */
async function syntheticJpeg(width: number, height: number): Promise<Buffer> {
  const rgb = Buffer.alloc(width * height * 3);
  let state = 12345;
  for (let y = 0, p = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      const grain = (state >>> 28) - 8;
      const band = ((x >> 7) + (y >> 7)) & 1 ? 40 : 0;
      rgb[p++] = Math.max(0, Math.min(255, ((x * 255) / width + band + grain) | 0));
      rgb[p++] = Math.max(0, Math.min(255, ((y * 255) / height + grain) | 0));
      rgb[p++] = Math.max(0, Math.min(255, (128 + 100 * Math.sin(x / 97) * Math.cos(y / 61) + grain) | 0));
    }
  }
  return sharp(rgb, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

async function bench(label: string, file: Buffer, n: number): Promise<void> {
  const decodeMs: number[] = [];
  const hashMs: number[] = [];
  const totalMs: number[] = [];
  const peerMs: number[] = [];
  let summary = '';
  for (let i = 0; i < warmup + n; i++) {
    const t0 = performance.now();
    const { pixels, width, height, channels } = await decodeImageForPdq(file);
    const t1 = performance.now();
    const { hash, quality } = computePdq(pixels, width, height, channels);
    const t2 = performance.now();
    await hashImagePdq(file);
    const t3 = performance.now();
    await phash(file);
    const t4 = performance.now();
    if (i >= warmup) {
      decodeMs.push(t1 - t0);
      hashMs.push(t2 - t1);
      totalMs.push(t3 - t2);
      peerMs.push(t4 - t3);
    }
    summary = `${width}x${height} ${channels === 3 ? 'RGB' : 'grey'}, ${file.length} bytes, pdq ${pdqToHex(hash)} q=${quality}`;
  }
  const fmt = (v: number[]): string => median(v).toFixed(1).padStart(6);
  console.log(`${label}  (${summary})`);
  console.log(
    `  decode ${fmt(decodeMs)} ms   hash ${fmt(hashMs)} ms   decode+hash (hashImagePdq) ${fmt(totalMs)} ms   median of ${n}`,
  );
  // The peer: sharp-phash, a popular JavaScript perceptual hash on the same decoder, timed in the same run.
  console.log(`  peer sharp-phash (64-bit pHash, decode+hash)  ${fmt(peerMs)} ms   ratio PDQ/peer ${(median(totalMs) / median(peerMs)).toFixed(2)}`);
}

console.log(
  `node ${process.version}, sharp ${sharp.versions.sharp} / libvips ${sharp.versions.vips}, ` +
    `${availableParallelism()} CPUs, libvips threads ${sharp.concurrency()}`,
);
await bench(
  'bridge-mods/aaa-orig.jpg',
  readFileSync(join(vectorsDir(), 'pdq/data/bridge-mods/aaa-orig.jpg')),
  runs,
);
await bench('synthetic 12 MP JPEG', await syntheticJpeg(4000, 3000), Math.max(5, Math.round(runs / 3)));
