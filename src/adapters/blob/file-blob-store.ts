/**
 * Content-addressed files: `<root>/<aa>/<bb>/<sha256>`. A write streams into a temporary file while
 * hashing, stops at the byte limit, and is renamed into place only when complete, so a reader never
 * sees half a blob and an existing blob is never overwritten (evidence is immutable).
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { chmod, link, mkdir, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';

export const SHA256_HEX = /^[0-9a-f]{64}$/;

export class BlobTooLargeError extends Error {
  override name = 'BlobTooLargeError';
  readonly limit: number;
  constructor(limit: number) {
    super(`blob exceeds the limit of ${limit} bytes`);
    this.limit = limit;
  }
}

export class BlobEmptyError extends Error {
  override name = 'BlobEmptyError';
}

export interface StoredBlob {
  sha256: string;
  size: number;
  /** False when identical bytes were already stored. */
  created: boolean;
}

export interface BlobCheck {
  sha256: string;
  ok: boolean;
  problem?: string;
}

export class FileBlobStore {
  readonly root: string;
  constructor(root: string) {
    this.root = root;
  }

  pathOf(sha256: string): string {
    if (!SHA256_HEX.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
    return join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  async put(input: Readable, maxBytes: number): Promise<StoredBlob> {
    const tmpDir = join(this.root, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    const tmp = join(tmpDir, randomUUID());
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        size += chunk.length;
        if (size > maxBytes) return cb(new BlobTooLargeError(maxBytes));
        hash.update(chunk);
        cb(null, chunk);
      },
    });
    const written = pipeline(meter, createWriteStream(tmp, { flags: 'wx', mode: 0o600 }));
    // The input is piped rather than put in the pipeline: a pipeline would destroy it on error, and
    // destroying an HTTP request body drops the connection before the 413 can be sent.
    const onInputError = (e: Error) => meter.destroy(e);
    input.once('error', onInputError);
    input.pipe(meter);
    try {
      await written;
    } catch (e) {
      input.unpipe(meter);
      input.resume();
      await unlink(tmp).catch(() => undefined);
      throw e;
    } finally {
      input.off('error', onInputError);
    }
    if (size === 0) {
      await unlink(tmp).catch(() => undefined);
      throw new BlobEmptyError('blob is empty');
    }
    const sha256 = hash.digest('hex');
    const final = this.pathOf(sha256);
    await mkdir(join(this.root, sha256.slice(0, 2), sha256.slice(2, 4)), { recursive: true });
    await chmod(tmp, 0o400);
    let created = true;
    try {
      // link() fails when the target exists, unlike rename(): identical bytes are kept, never replaced.
      await link(tmp, final);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      created = false;
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
    return { sha256, size, created };
  }

  async has(sha256: string): Promise<boolean> {
    return stat(this.pathOf(sha256)).then(
      () => true,
      () => false,
    );
  }

  open(sha256: string): ReadStream {
    return createReadStream(this.pathOf(sha256));
  }

  async size(sha256: string): Promise<number> {
    return (await stat(this.pathOf(sha256))).size;
  }

  /** Re-hashes one blob. */
  async check(sha256: string, expectedSize?: number): Promise<BlobCheck> {
    const path = this.pathOf(sha256);
    let st;
    try {
      st = await stat(path);
    } catch {
      return { sha256, ok: false, problem: 'missing' };
    }
    if (expectedSize !== undefined && st.size !== expectedSize) return { sha256, ok: false, problem: `size ${st.size}, expected ${expectedSize}` };
    const h = createHash('sha256');
    await pipeline(createReadStream(path), h);
    const actual = h.digest('hex');
    return actual === sha256 ? { sha256, ok: true } : { sha256, ok: false, problem: `content hashes to ${actual}` };
  }

  /** Every blob file on disk, for verification of files the database does not know about. */
  async *listFiles(): AsyncGenerator<string> {
    let top: string[];
    try {
      top = await readdir(this.root);
    } catch {
      return;
    }
    for (const a of top.filter((d) => /^[0-9a-f]{2}$/.test(d)).sort()) {
      for (const b of (await readdir(join(this.root, a))).sort()) {
        for (const f of (await readdir(join(this.root, a, b))).sort()) if (SHA256_HEX.test(f)) yield f;
      }
    }
  }
}
