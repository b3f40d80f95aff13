/**
 * Media in, HMA signals out: a file uploaded in a multipart field named after its content type
 * (`photo=@x.png`, `video=@x.mp4`) or a URL fetched through Vigil's SSRF-safe fetcher, hashed as
 * HMA does — `photo` → `pdq` (empty when its quality is under 50, as python-threatexchange's
 * `PdqSignal.hash_from_bytes`), `video` → `video_md5` (md5 of the file) and `vpdq` (one frame a
 * second, HMA's JSON). Decoder and fetch failures become 4xx errors with stable codes.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import { FETCH_MAX_BYTES, FetchError, type SafeFetcher } from '../../adapters/fetch/safe-fetch.ts';
import { hashImagePdq, ImageDecodeError } from '../../adapters/media/image-decode.ts';
import { hashVideoBytes, hashVideoFile } from '../../adapters/media/vpdq-hasher.ts';
import { VideoDecodeError } from '../../adapters/media/video-frames.ts';
import { PDQ_MIN_QUALITY, pdqToHex } from '../../algorithms/pdq/pdq.ts';
import { toHmaJson } from '../../algorithms/vpdq/vpdq.ts';
import { VigilError } from '../../errors/vigil-error.ts';
import { contentTypeOfMedia, HMA_CONTENT_TYPES, isHmaContentType, type HmaContentType, type HmaSignalType } from './hma.model.ts';

/** Largest remote file `/h/hash?url=` and friends fetch (HMA's `MAX_REMOTE_FILE_SIZE` is 100 MB; Vigil's fetcher stops at this). */
export const HMA_FETCH_MAX_BYTES = FETCH_MAX_BYTES;
/** Multipart text fields (`metadata`, `note`) an upload may carry, and their size. */
export const HMA_UPLOAD_MAX_FIELDS = 4;
export const HMA_UPLOAD_FIELD_MAX_BYTES = 64 * 1024;

/** One piece of media to hash: a photo in memory, or a video on disk (ffmpeg needs a seekable file). */
export interface HmaMedia {
  contentType: HmaContentType;
  bytes: Buffer | null;
  path: string | null;
  md5: string;
}

function md5Hex(b: Uint8Array): string {
  return createHash('md5').update(b).digest('hex');
}

function mediaError(e: unknown): never {
  if (e instanceof ImageDecodeError || e instanceof VideoDecodeError) throw new VigilError(e.code, `The ${e instanceof ImageDecodeError ? 'image' : 'video'} cannot be hashed: ${e.message}.`);
  throw e;
}

/** The signals of `types` for one piece of media, in HMA's answer shape `{signal_type: value}`. */
export async function hashMedia(media: HmaMedia, types: readonly HmaSignalType[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  try {
    for (const t of types) {
      if (t === 'pdq') {
        const { hash, quality } = await hashImagePdq(media.bytes ?? Buffer.alloc(0));
        out.pdq = quality < PDQ_MIN_QUALITY ? '' : pdqToHex(hash);
      } else if (t === 'video_md5') {
        out.video_md5 = media.md5;
      } else {
        const frames = media.path ? await hashVideoFile(media.path) : await hashVideoBytes(media.bytes ?? Buffer.alloc(0));
        out.vpdq = toHmaJson(frames);
      }
    }
  } catch (e) {
    mediaError(e);
  }
  return out;
}

/**
 * Fetches `url` for hashing. The content type is HMA's `content_type` hint, else the server's
 * media type (image/… → photo, video/…→ video), else what the bytes are.
 */
export async function fetchMedia(fetcher: Pick<SafeFetcher, 'fetch'>, url: string, hint: string | undefined): Promise<HmaMedia> {
  if (hint !== undefined && !isHmaContentType(hint)) throw new VigilError('VIGIL_HMA_CONTENT_TYPE_UNKNOWN', `no such content_type: '${hint.slice(0, 40)}'`);
  let res;
  try {
    res = await fetcher.fetch(url);
  } catch (e) {
    if (!(e instanceof FetchError)) throw e;
    if (e.code === 'VIGIL_FETCH_TOO_LARGE' || e.code === 'VIGIL_FETCH_DECOMPRESSION_BOMB') throw new VigilError('VIGIL_HMA_CONTENT_TOO_LARGE', `Content too large: ${e.message}.`, { fetchCode: e.code });
    throw new VigilError('VIGIL_HMA_FETCH_FAILED', `Failed to fetch URL: ${e.message}.`, { fetchCode: e.code });
  }
  if (res.status < 200 || res.status > 299) throw new VigilError('VIGIL_HMA_FETCH_FAILED', `Failed to fetch URL: the server answered ${res.status}.`);
  const contentType = contentTypeOfMedia(hint, res.declaredType ?? res.sniffedType);
  if (!contentType) {
    throw new VigilError('VIGIL_HMA_CONTENT_TYPE_UNKNOWN', `unsupported url ContentType: '${(res.declaredType ?? '').slice(0, 80)}', if you know the expected type, provide it with the content_type query param`);
  }
  return { contentType, bytes: res.body, path: null, md5: md5Hex(res.body) };
}

export interface Upload {
  media: HmaMedia;
  fields: Record<string, string>;
  /** Removes the temporary file of a video upload. */
  cleanup(): Promise<void>;
}

/**
 * Reads a multipart upload: exactly one file, in a field named after its content type, plus text
 * fields. A photo is kept in memory; a video goes to a private temporary file (md5 taken on the
 * way), which `cleanup` removes.
 */
export async function readUpload(request: FastifyRequest, maxBytes: number): Promise<Upload> {
  if (!request.isMultipart()) throw new VigilError('VIGIL_HMA_BAD_REQUEST', 'Missing multipart/form-data file upload');
  const fields: Record<string, string> = {};
  let media: HmaMedia | null = null;
  let dir: string | null = null;
  let refused: VigilError | null = null;
  const cleanup = async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  };
  try {
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        if (typeof part.value === 'string') fields[part.fieldname] = part.value;
        continue;
      }
      if (media || refused) {
        part.file.resume();
        refused ??= new VigilError('VIGIL_HMA_BAD_REQUEST', 'Only one file allowed per request');
        continue;
      }
      const contentType = part.fieldname;
      if (!isHmaContentType(contentType)) {
        part.file.resume();
        refused = new VigilError('VIGIL_HMA_CONTENT_TYPE_UNKNOWN', `no such content_type: '${contentType.slice(0, 40)}'; name the file field ${Object.keys(HMA_CONTENT_TYPES).join(' or ')}`);
        continue;
      }
      if (contentType === 'photo') {
        const bytes = await part.toBuffer();
        media = { contentType, bytes, path: null, md5: md5Hex(bytes) };
      } else {
        dir = await mkdtemp(join(tmpdir(), 'vigil-hma-'));
        const path = join(dir, 'upload');
        const md5 = createHash('md5');
        const tap = new Transform({
          transform(chunk: Buffer, _enc, done) {
            md5.update(chunk);
            done(null, chunk);
          },
        });
        await pipeline(part.file, tap, createWriteStream(path, { mode: 0o600 }));
        if (part.file.truncated) throw new VigilError('VIGIL_BODY_TOO_LARGE', `The file is larger than the limit of ${maxBytes} bytes.`);
        media = { contentType, bytes: null, path, md5: md5.digest('hex') };
      }
    }
  } catch (e) {
    await cleanup();
    const code = (e as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw new VigilError('VIGIL_BODY_TOO_LARGE', `The file is larger than the limit of ${maxBytes} bytes.`);
    if (code === 'FST_FILES_LIMIT') throw new VigilError('VIGIL_HMA_BAD_REQUEST', 'Only one file allowed per request');
    if (code === 'FST_FIELDS_LIMIT' || code === 'FST_PARTS_LIMIT') throw new VigilError('VIGIL_HMA_BAD_REQUEST', `At most one file and ${HMA_UPLOAD_MAX_FIELDS} fields per request.`);
    if (e instanceof VigilError) throw e;
    throw new VigilError('VIGIL_HMA_BAD_REQUEST', `The upload cannot be read: ${(e as Error).message}.`);
  }
  if (refused || !media) {
    await cleanup();
    throw refused ?? new VigilError('VIGIL_HMA_BAD_REQUEST', 'Missing multipart/form-data file upload');
  }
  return { media, fields, cleanup };
}
