import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { vectorsDir } from '../../../test/vectors.ts';
import { computePdq, PDQ_DIHEDRAL_ORDER, pdqToHex } from '../../algorithms/pdq/pdq.ts';
import {
  decodeImageForPdq,
  hashImagePdq,
  hashImagePdqDihedral,
  ImageDecodeError,
  MAX_IMAGE_BYTES,
  MAX_IMAGE_PIXELS,
} from './image-decode.ts';
import type { ImageDecodeErrorCode } from './image-decode.ts';

const PDQ_DIR = join(vectorsDir(), 'pdq');

async function expectDecodeError(input: Uint8Array, code: ImageDecodeErrorCode): Promise<ImageDecodeError> {
  let error: unknown;
  try {
    await decodeImageForPdq(input);
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(ImageDecodeError);
  expect((error as ImageDecodeError).code).toBe(code);
  return error as ImageDecodeError;
}

/** Deterministic pseudo-random bytes. */
function noise(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

function rawImage(width: number, height: number, channels: 1 | 2 | 3 | 4, pixel: (x: number, y: number, c: number) => number): Buffer {
  const out = Buffer.alloc(width * height * channels);
  for (let y = 0, p = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) out[p++] = pixel(x, y, c);
    }
  }
  return out;
}

async function noiseJpeg(width: number, height: number): Promise<Buffer> {
  return sharp(noise(width * height * 3, 7), { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

// PNG chunks, for headers that no encoder would write.
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function pngChunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  let crc = 0xffffffff;
  for (const byte of body) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return Buffer.concat([length, body, trailer]);
}

/** A small PNG whose header claims width x height RGB pixels: a decompression ("pixel") bomb. */
function pixelBombPng(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(Buffer.alloc(64 * 1024))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('decodeImageForPdq: bad input', () => {
  it('zero bytes -> VIGIL_IMAGE_EMPTY', async () => {
    await expectDecodeError(new Uint8Array(0), 'VIGIL_IMAGE_EMPTY');
  });

  it('truncated JPEG -> VIGIL_IMAGE_UNDECODABLE', async () => {
    const jpeg = await noiseJpeg(400, 300);
    await expectDecodeError(jpeg.subarray(0, jpeg.length >> 1), 'VIGIL_IMAGE_UNDECODABLE');
  });

  it('truncated PNG -> VIGIL_IMAGE_UNDECODABLE', async () => {
    const png = await sharp(noise(200 * 100 * 3, 3), { raw: { width: 200, height: 100, channels: 3 } }).png().toBuffer();
    await expectDecodeError(png.subarray(0, png.length - 100), 'VIGIL_IMAGE_UNDECODABLE');
  });

  it('random bytes -> VIGIL_IMAGE_UNDECODABLE', async () => {
    await expectDecodeError(noise(10_000, 42), 'VIGIL_IMAGE_UNDECODABLE');
  });

  it('a JPEG signature followed by garbage -> VIGIL_IMAGE_UNDECODABLE', async () => {
    await expectDecodeError(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), noise(5_000, 9)]), 'VIGIL_IMAGE_UNDECODABLE');
  });

  it('pixel bomb: PNG header claiming 100000x100000 -> VIGIL_IMAGE_TOO_LARGE', async () => {
    const bomb = pixelBombPng(100_000, 100_000);
    expect(bomb.length).toBeLessThan(1024);
    const error = await expectDecodeError(bomb, 'VIGIL_IMAGE_TOO_LARGE');
    expect(error.message).toContain('100000x100000');
  });

  it('pixel bomb just over MAX_IMAGE_PIXELS (under libvips\' own default) -> VIGIL_IMAGE_TOO_LARGE', async () => {
    const width = 10_001;
    const height = Math.ceil(MAX_IMAGE_PIXELS / width) + 1;
    expect(width * height).toBeGreaterThan(MAX_IMAGE_PIXELS);
    expect(width * height).toBeLessThan(0x3fff * 0x3fff);
    await expectDecodeError(pixelBombPng(width, height), 'VIGIL_IMAGE_TOO_LARGE');
  });

  it('more than MAX_IMAGE_BYTES -> VIGIL_IMAGE_TOO_LARGE, before any parsing', async () => {
    await expectDecodeError(new Uint8Array(MAX_IMAGE_BYTES + 1), 'VIGIL_IMAGE_TOO_LARGE');
  });

  it('SVG -> VIGIL_IMAGE_UNSUPPORTED_FORMAT', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="32"/></svg>');
    await expectDecodeError(svg, 'VIGIL_IMAGE_UNSUPPORTED_FORMAT');
  });

  it('hashImagePdq passes decoder errors through', async () => {
    await expect(hashImagePdq(new Uint8Array(0))).rejects.toMatchObject({ code: 'VIGIL_IMAGE_EMPTY' });
    await expect(hashImagePdqDihedral(noise(100, 1))).rejects.toMatchObject({ code: 'VIGIL_IMAGE_UNDECODABLE' });
  });
});

describe('decodeImageForPdq: colour policy', () => {
  it('does not apply EXIF orientation', async () => {
    const jpeg = await sharp(rawImage(64, 48, 3, (x, y) => (x * 4 + y) & 255), { raw: { width: 64, height: 48, channels: 3 } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    expect((await sharp(jpeg).metadata()).orientation).toBe(6);
    const decoded = await decodeImageForPdq(jpeg);
    expect([decoded.width, decoded.height]).toEqual([64, 48]);
  });

  it('drops alpha without compositing it', async () => {
    const rgba = rawImage(40, 30, 4, (x, y, c) => (c === 3 ? (x * 9) & 255 : (x * 5 + y * 3 + c * 70) & 255));
    const png = await sharp(rgba, { raw: { width: 40, height: 30, channels: 4 } }).png().toBuffer();
    const decoded = await decodeImageForPdq(png);
    expect(decoded.channels).toBe(3);
    const rgb = rawImage(40, 30, 3, (x, y, c) => (x * 5 + y * 3 + c * 70) & 255);
    expect(Buffer.from(decoded.pixels)).toEqual(rgb);
  });

  it('keeps grey (with alpha) as one channel', async () => {
    const greyAlpha = rawImage(40, 30, 2, (x, y, c) => (c === 1 ? (y * 8) & 255 : (x * 6 + y) & 255));
    const png = await sharp(greyAlpha, { raw: { width: 40, height: 30, channels: 2 } }).toColourspace('b-w').png().toBuffer();
    const decoded = await decodeImageForPdq(png);
    expect(decoded.channels).toBe(1);
    expect(Buffer.from(decoded.pixels)).toEqual(rawImage(40, 30, 1, (x, y) => (x * 6 + y) & 255));
  });

  it('hashes an all-neutral RGB image as grey, as the reference does', async () => {
    const neutral = rawImage(40, 30, 3, (x, y) => (x * 6 + y * 2) & 255);
    const png = await sharp(neutral, { raw: { width: 40, height: 30, channels: 3 } }).png().toBuffer();
    expect((await sharp(png).metadata()).channels).toBe(3);
    const decoded = await decodeImageForPdq(png);
    expect(decoded.channels).toBe(1);
    expect(Buffer.from(decoded.pixels)).toEqual(rawImage(40, 30, 1, (x, y) => (x * 6 + y * 2) & 255));
  });

  it('expands a palette to its colours, not its indices', async () => {
    const twoColours = rawImage(40, 30, 3, (x, _y, c) => (x < 20 ? [200, 30, 90][c]! : [10, 140, 250][c]!));
    const png = await sharp(twoColours, { raw: { width: 40, height: 30, channels: 3 } }).png({ palette: true }).toBuffer();
    expect((await sharp(png).metadata()).isPalette).toBe(true);
    const decoded = await decodeImageForPdq(png);
    expect(decoded.channels).toBe(3);
    expect(Buffer.from(decoded.pixels)).toEqual(twoColours);
  });

  it("converts CMYK with ImageMagick's formula, not an ICC profile", async () => {
    const source = rawImage(48, 32, 3, (x, y, c) => (x * 5 + y * 7 + c * 60) & 255);
    const cmykJpeg = await sharp(source, { raw: { width: 48, height: 32, channels: 3 } }).toColourspace('cmyk').jpeg().toBuffer();
    expect((await sharp(cmykJpeg).metadata()).space).toBe('cmyk');
    const cmyk = await sharp(cmykJpeg).pipelineColourspace('cmyk').toColourspace('cmyk').raw().toBuffer();
    const decoded = await decodeImageForPdq(cmykJpeg);
    expect(decoded.channels).toBe(3);
    for (let i = 0; i < 48 * 32; i++) {
      const k = cmyk[4 * i + 3]!;
      for (let c = 0; c < 3; c++) {
        expect(decoded.pixels[3 * i + c]).toBe(Math.round(((255 - cmyk[4 * i + c]!) * (255 - k)) / 255));
      }
    }
  });

  it('reduces 16-bit grey and RGB samples to their high byte', async () => {
    for (const channels of [1, 3] as const) {
      const samples = new Uint16Array(64 * 48 * channels).map((_, i) => (i * 7919) & 0xffff);
      const png = await sharp(samples, { raw: { width: 64, height: 48, channels } })
        .toColourspace(channels === 1 ? 'grey16' : 'rgb16')
        .png()
        .toBuffer();
      expect((await sharp(png).metadata()).depth).toBe('ushort');
      const decoded = await decodeImageForPdq(png);
      expect(decoded.channels).toBe(channels);
      expect(Array.from(decoded.pixels)).toEqual(Array.from(samples, (v) => v >> 8));
    }
  });

  it('ignores embedded ICC profiles', async () => {
    const source = rawImage(48, 32, 3, (x, y, c) => (x * 5 + y * 3 + c * 90) & 255);
    const png = await sharp(source, { raw: { width: 48, height: 32, channels: 3 } }).withIccProfile('p3').png().toBuffer();
    expect((await sharp(png).metadata()).icc).toBeDefined();
    const stored = await sharp(png, { ignoreIcc: true }).raw().toBuffer();
    const managed = await sharp(png).raw().toBuffer();
    expect(managed).not.toEqual(stored);
    expect(Buffer.from((await decodeImageForPdq(png)).pixels)).toEqual(stored);
  });

  it('takes the first frame of an animation', async () => {
    const frame = (rgb: [number, number, number]) =>
      sharp({ create: { width: 32, height: 24, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } }).png().toBuffer();
    const gif = await sharp([await frame([250, 10, 10]), await frame([10, 10, 250])], { join: { animated: true } }).gif().toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(2);
    const decoded = await decodeImageForPdq(gif);
    expect([decoded.width, decoded.height, decoded.channels]).toEqual([32, 24, 3]);
    expect(Array.from(decoded.pixels.subarray(0, 3))).toEqual([250, 10, 10]);
  });
});

describe('hashImagePdq / hashImagePdqDihedral', () => {
  it('reproduce the reference on a vector image', async () => {
    const file = readFileSync(join(PDQ_DIR, 'data/bridge-mods/aaa-orig.jpg'));
    const { hash, quality } = await hashImagePdq(file);
    expect(pdqToHex(hash)).toBe('f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22');
    expect(quality).toBe(100);

    const dihedral = await hashImagePdqDihedral(file);
    expect(PDQ_DIHEDRAL_ORDER.map((name) => pdqToHex(dihedral.hashes[name]))).toEqual([
      'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22',
      '30a10efd71c83f429013d48d0ffffc52e34e0e17ada952a9d29685211ea9e5af',
      'adad5a64b5a102e55b62a08856dacd5ae63b847fc337b4b766b319361bc93188',
      'a5f0b457a49995e8c1065c275aaa54d8b61ba49df8fcfc0383c32f8b0bfc4f05',
      'f8f80f31e0f457b00637f5d5028f980fb36ed12a9622e1e233e64c634e9c64dd',
      '0dad2599b1a1bd1a5362576752da32a5e63b7380c2374b4866b346c91bc9ce77',
      'f0a5e102f1ccc0bd945308720fff038de34ef1e8ada9a956d2967ade5ea91a50',
      'a5f04ba8a4996a17c906a3d85aaaa927b61b5b42f8fc03fc87c3d0740bfcb0fa',
    ]);
    expect(dihedral.quality).toBe(100);
  });

  it('equal decode-then-computePdq', async () => {
    const jpeg = await noiseJpeg(300, 200);
    const { pixels, width, height, channels } = await decodeImageForPdq(jpeg);
    expect(await hashImagePdq(jpeg)).toEqual(computePdq(pixels, width, height, channels));
  });

  it('give quality 0 and an all-zero hash for images under 5 px', async () => {
    const png = await sharp({ create: { width: 4, height: 300, channels: 3, background: '#808080' } }).png().toBuffer();
    const { hash, quality } = await hashImagePdq(png);
    expect(pdqToHex(hash)).toBe('0'.repeat(64));
    expect(quality).toBe(0);
  });
});
