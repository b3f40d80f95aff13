/**
 * Image bytes -> 8-bit pixels for PDQ, with sharp (libvips), behind explicit
 * byte and pixel limits.
 *
 * Decoder policy. The golden vectors were made by the C++ reference, which
 * decodes through CImg -> ImageMagick `convert file pnm:-`; HMA decodes with
 * Pillow. We follow the reference's colour decoding wherever the two agree or
 * the reference is sane, so our hashes match the reference (and HMA) bit for
 * bit on ordinary images:
 *
 * - EXIF orientation: NOT applied (neither the reference nor HMA apply it).
 * - ICC profiles: ignored, samples used as stored (ImageMagick's convert does
 *   not apply them either).
 * - 8-bit RGB: used as is. If every pixel is neutral (R = G = B), it is hashed
 *   as one grey channel, because ImageMagick then writes a grey PNM and the
 *   reference uses the grey value as luma instead of the float luma formula
 *   (which is off by one float ulp for 35 of the 256 grey levels).
 * - Greyscale (1, 2, 4, 8-bit): one channel, used as luma. 1-bit is 0/255.
 * - Alpha: dropped, NOT composited onto a background. ImageMagick's PNM writer
 *   and Pillow's convert('RGB') both just discard it (`pytx-resources/LA.png`,
 *   which has transparent pixels, reproduces HMA's hash only this way).
 * - Palette (PNG8, GIF): expanded to the palette colours, as the reference does.
 *   HMA departs here: it hashes the palette indices as grey levels.
 * - CMYK: converted with ImageMagick's formula R = (255 - C)(255 - K)/255,
 *   not through an ICC profile. Verified bit-exact on an Adobe-marked CMYK
 *   JPEG (`modes/CMYK.jpg`; Photoshop and Pillow write that marker, and
 *   libvips un-inverts it); marker-less CMYK JPEGs are untested against the
 *   reference.
 *   HMA departs here: it hashes C, M, Y as if they were R, G, B.
 * - 16-bit samples: reduced to their high byte (v >> 8), the value every 8-bit
 *   viewer shows. Both ecosystem behaviours are artefacts, and we do not copy
 *   them: the reference keeps the LOW byte (CImg casts 16-bit PNM samples to
 *   uint8, so it hashes noise), and Pillow/HMA clips to 255 (a mostly white
 *   image whose quality falls under HMA's banking threshold of 50). With the
 *   high byte a 16-bit file hashes like its 8-bit export.
 * - Other sample formats (float or 32-bit TIFF, Lab...): libvips' own
 *   conversion to 8-bit sRGB.
 * - Animated or multi-page files: the first frame or page only.
 *
 * Accepted formats are the raster ones below; SVG, PDF and other
 * renderer-backed inputs are refused (they are not photos, and a renderer is a
 * larger attack surface than a decoder).
 */
import sharp from 'sharp';
import type { Metadata, Sharp } from 'sharp';
import { computePdq, computePdqDihedral } from '../../algorithms/pdq/pdq.ts';
import type { PdqDihedralResult, PdqResult } from '../../algorithms/pdq/pdq.ts';

/** Largest image we decode, in pixels (width x height): 100 MP, 300 MB of RGB. */
export const MAX_IMAGE_PIXELS = 100_000_000;

/** Largest encoded image we accept, in bytes (HMA's `MAX_REMOTE_FILE_SIZE` is also 100 MB). */
export const MAX_IMAGE_BYTES = 100 * 1024 * 1024;

/** Raster formats we decode (sharp's `metadata().format` names). */
export const PDQ_IMAGE_FORMATS: readonly string[] = ['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif', 'avif', 'jp2'];

export type ImageDecodeErrorCode =
  | 'VIGIL_IMAGE_EMPTY'
  | 'VIGIL_IMAGE_TOO_LARGE'
  | 'VIGIL_IMAGE_UNSUPPORTED_FORMAT'
  | 'VIGIL_IMAGE_UNDECODABLE';

export class ImageDecodeError extends Error {
  readonly code: ImageDecodeErrorCode;

  constructor(code: ImageDecodeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ImageDecodeError';
    this.code = code;
  }
}

/** Row-major interleaved 8-bit pixels, ready for `computePdq`. */
export interface PdqPixels {
  pixels: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3;
}

/**
 * Decodes an encoded image into the pixel buffer PDQ hashes, following the
 * decoder policy at the top of this file.
 *
 * Throws `ImageDecodeError`: `VIGIL_IMAGE_EMPTY` (zero bytes),
 * `VIGIL_IMAGE_TOO_LARGE` (over `MAX_IMAGE_BYTES` or `MAX_IMAGE_PIXELS`,
 * checked on the header before any pixel is decoded),
 * `VIGIL_IMAGE_UNSUPPORTED_FORMAT`, or `VIGIL_IMAGE_UNDECODABLE` (corrupt or
 * truncated data).
 */
export async function decodeImageForPdq(input: Uint8Array): Promise<PdqPixels> {
  if (input.byteLength === 0) {
    throw new ImageDecodeError('VIGIL_IMAGE_EMPTY', 'image is empty (0 bytes)');
  }
  if (input.byteLength > MAX_IMAGE_BYTES) {
    throw new ImageDecodeError(
      'VIGIL_IMAGE_TOO_LARGE',
      `image is ${input.byteLength} bytes, the limit is ${MAX_IMAGE_BYTES}`,
    );
  }

  // Header only. sharp's own pixel limit is lifted here so that a pixel bomb
  // is reported by our check below with its real dimensions.
  let meta: Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new ImageDecodeError('VIGIL_IMAGE_UNDECODABLE', `cannot read image header: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  const { format, width, height } = meta;
  if (!PDQ_IMAGE_FORMATS.includes(format)) {
    throw new ImageDecodeError('VIGIL_IMAGE_UNSUPPORTED_FORMAT', `image format '${format}' is not accepted`);
  }
  if (!(width > 0 && height > 0)) {
    throw new ImageDecodeError('VIGIL_IMAGE_UNDECODABLE', `image header has no valid size (${width}x${height})`);
  }
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new ImageDecodeError(
      'VIGIL_IMAGE_TOO_LARGE',
      `image is ${width}x${height} = ${width * height} pixels, the limit is ${MAX_IMAGE_PIXELS}`,
    );
  }

  const image = sharp(input, {
    limitInputPixels: MAX_IMAGE_PIXELS, // second guard, on the decoder's view of the size
    failOn: 'error', // corrupt or truncated data fails; benign warnings do not (ImageMagick hashes those too)
    autoOrient: false,
    ignoreIcc: true,
    pages: 1,
  });
  try {
    if (meta.space === 'cmyk') return await decodeCmyk(image);
    if (meta.depth === 'ushort') return await decode16Bit(image, meta);
    return await decode8Bit(image, meta);
  } catch (err) {
    if (err instanceof ImageDecodeError) throw err;
    throw new ImageDecodeError('VIGIL_IMAGE_UNDECODABLE', `cannot decode image: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}

/** Decodes then hashes (`computePdq`, full resolution). */
export async function hashImagePdq(input: Uint8Array): Promise<PdqResult> {
  const { pixels, width, height, channels } = await decodeImageForPdq(input);
  return computePdq(pixels, width, height, channels);
}

/** Decodes then computes the 8 dihedral hashes (`computePdqDihedral`). */
export async function hashImagePdqDihedral(input: Uint8Array): Promise<PdqDihedralResult> {
  const { pixels, width, height, channels } = await decodeImageForPdq(input);
  return computePdqDihedral(pixels, width, height, channels);
}

// ---------------------------------------------------------------------------

function isGreySpace(meta: Metadata): boolean {
  return meta.space === 'b-w' || meta.space === 'grey16';
}

async function decode8Bit(image: Sharp, meta: Metadata): Promise<PdqPixels> {
  const grey = isGreySpace(meta);
  const { data, info } = await image
    .removeAlpha()
    .toColourspace(grey ? 'b-w' : 'srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const pixels = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return toPdqPixels(pixels, info.width, info.height, info.channels);
}

async function decode16Bit(image: Sharp, meta: Metadata): Promise<PdqPixels> {
  const grey = isGreySpace(meta);
  const { data, info } = await image
    .removeAlpha()
    .toColourspace(grey ? 'grey16' : 'rgb16')
    .raw({ depth: 'ushort' })
    .toBuffer({ resolveWithObject: true });
  // Raw output is in machine byte order; take each sample's high byte.
  const samples = new Uint16Array(data.buffer, data.byteOffset, data.byteLength >> 1);
  const pixels = new Uint8Array(samples.length);
  for (let i = 0; i < samples.length; i++) pixels[i] = samples[i]! >> 8;
  return toPdqPixels(pixels, info.width, info.height, info.channels);
}

/**
 * ImageMagick 6 CMYK -> RGB, as used by the reference's decoder:
 * R = (255 - C)(255 - K) / 255, likewise G from M and B from Y. ImageMagick
 * computes it on 16-bit quanta and rounds twice (to the quantum, then to 8
 * bits); for 8-bit input that equals one rounding of the exact value, checked
 * over all 65536 (C, K) pairs. Indexed by (C << 8) | K; 64 KiB, built on first use.
 */
let cmykTable: Uint8Array | undefined;

function getCmykTable(): Uint8Array {
  if (cmykTable) return cmykTable;
  const table = new Uint8Array(256 * 256);
  for (let c = 0; c < 256; c++) {
    for (let k = 0; k < 256; k++) table[(c << 8) | k] = Math.round(((255 - c) * (255 - k)) / 255);
  }
  cmykTable = table;
  return table;
}

async function decodeCmyk(image: Sharp): Promise<PdqPixels> {
  // Keep the pipeline in CMYK so sharp does not convert through an ICC profile.
  const { data, info } = await image
    .pipelineColourspace('cmyk')
    .toColourspace('cmyk')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const n = info.width * info.height;
  const stride = info.channels; // 4, or 5 with alpha (ignored)
  if (stride < 4) {
    throw new ImageDecodeError('VIGIL_IMAGE_UNDECODABLE', `CMYK image decoded to ${stride} channels`);
  }
  const table = getCmykTable();
  const rgb = new Uint8Array(n * 3);
  for (let i = 0, p = 0, o = 0; i < n; i++, p += stride, o += 3) {
    const k = data[p + 3]!;
    rgb[o] = table[(data[p]! << 8) | k]!;
    rgb[o + 1] = table[(data[p + 1]! << 8) | k]!;
    rgb[o + 2] = table[(data[p + 2]! << 8) | k]!;
  }
  return toPdqPixels(rgb, info.width, info.height, 3);
}

/** Checks the decoder's output shape, and hashes all-neutral RGB as grey (see policy). */
function toPdqPixels(pixels: Uint8Array, width: number, height: number, channels: number): PdqPixels {
  if (channels !== 1 && channels !== 3) {
    throw new ImageDecodeError('VIGIL_IMAGE_UNDECODABLE', `decoder produced ${channels} channels`);
  }
  if (pixels.length !== width * height * channels) {
    throw new ImageDecodeError('VIGIL_IMAGE_UNDECODABLE', 'decoder produced a short pixel buffer');
  }
  if (channels === 3 && isNeutral(pixels)) {
    const grey = new Uint8Array(width * height);
    for (let i = 0, p = 0; i < grey.length; i++, p += 3) grey[i] = pixels[p]!;
    return { pixels: grey, width, height, channels: 1 };
  }
  return { pixels, width, height, channels };
}

function isNeutral(rgb: Uint8Array): boolean {
  for (let p = 0; p < rgb.length; p += 3) {
    const r = rgb[p]!;
    if (r !== rgb[p + 1] || r !== rgb[p + 2]) return false;
  }
  return true;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
