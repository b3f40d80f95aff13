/**
 * `vigil hash FILE…`: PDQ of images in the reference CLI's `hash,quality,path` lines (the format
 * of the shared vectors), the 8 dihedral hashes with `--dihedral`, and vPDQ of videos with
 * `--video` in the reference's `frame,quality,hash,timestamp` lines. Needs no database: a unit can
 * hash a folder on an air-gapped laptop and compare with what a partner sent.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { PDQ_DIHEDRAL_ORDER, pdqToHex } from '../algorithms/pdq/pdq.ts';
import { formatVpdqLines, toHmaJson } from '../algorithms/vpdq/vpdq.ts';
import { hashImagePdqDihedral, ImageDecodeError, MAX_IMAGE_BYTES } from '../adapters/media/image-decode.ts';
import { hashVideoFile } from '../adapters/media/vpdq-hasher.ts';
import { VideoDecodeError } from '../adapters/media/video-frames.ts';
import { EXIT_USAGE, UsageError } from './cli-common.ts';

interface HashOptions {
  dihedral?: boolean;
  video?: boolean;
  everyFrame?: boolean;
  secondsPerHash?: string;
  scale?: string;
  json?: boolean;
}

type Hashed =
  | { path: string; pdq: string; quality: number; dihedral?: Record<string, string> }
  | { path: string; vpdq: string; frames: number; videoMd5: string; lines: string }
  | { path: string; error: { code: string; message: string } };

function positiveNumber(raw: string | undefined, what: string, integer: boolean): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || (integer && (!Number.isInteger(n) || n < 1))) throw new UsageError(`${what} must be ${integer ? 'a whole number of at least 1' : 'a number of 0 or more'}, got "${raw}"`);
  return n;
}

async function hashImage(path: string, dihedral: boolean): Promise<Hashed> {
  const size = (await stat(path)).size;
  // Checked before reading: the decoder would refuse it anyway, after loading it whole.
  if (size > MAX_IMAGE_BYTES) throw new ImageDecodeError('VIGIL_IMAGE_TOO_LARGE', `image file is ${size} bytes, the limit is ${MAX_IMAGE_BYTES}`);
  const r = await hashImagePdqDihedral(await readFile(path));
  const hexes = Object.fromEntries(PDQ_DIHEDRAL_ORDER.map((d) => [d, pdqToHex(r.hashes[d])]));
  return { path, pdq: hexes.orig!, quality: r.quality, ...(dihedral ? { dihedral: hexes } : {}) };
}

async function hashVideo(path: string, o: { everyFrame: boolean; secondsPerHash: number | undefined; scale: number | undefined }): Promise<Hashed> {
  const frames = await hashVideoFile(path, { everyFrame: o.everyFrame, ...(o.secondsPerHash !== undefined ? { secondsPerHash: o.secondsPerHash } : {}), scale: o.scale ?? null });
  const videoMd5 = createHash('md5')
    .update(await readFile(path))
    .digest('hex');
  return { path, vpdq: toHmaJson(frames), frames: frames.length, videoMd5, lines: formatVpdqLines(frames) };
}

function asText(h: Hashed, several: boolean): string {
  if ('error' in h) return '';
  if ('pdq' in h) return h.dihedral ? `${PDQ_DIHEDRAL_ORDER.map((d) => h.dihedral![d]).join(',')},${h.quality},${h.path}` : `${h.pdq},${h.quality},${h.path}`;
  // One video prints exactly the reference's hash file; several are told apart by a comment line.
  return several ? `# ${h.path}\n${h.lines}`.trimEnd() : h.lines.trimEnd();
}

export function registerHashCommands(program: Command): void {
  program
    .command('hash')
    .description('Hash image files with PDQ ("hash,quality,path" lines, as the reference CLI), or videos with vPDQ (--video)')
    .argument('<files...>', 'image (or, with --video, video) files')
    .option('--dihedral', 'print the 8 dihedral hashes: orig,rot90,rot180,rot270,flipx,flipy,flipplus1,flipminus1,quality,path')
    .option('--video', 'hash videos with vPDQ (system ffmpeg): frame,quality,hash,timestamp lines')
    .option('--every-frame', 'with --video: hash every frame (default: one frame a second, as HMA)')
    .option('--seconds-per-hash <s>', 'with --video: one hashed frame per this many seconds')
    .option('--scale <n>', 'with --video: scale frames to n×n before hashing (the reference\'s -s)')
    .addOption(new Option('--json', 'one JSON array: {path, pdq, quality[, dihedral]} or {path, vpdq (HMA signal string), frames, videoMd5}, or {path, error}'))
    .action(async (files: string[], opts: HashOptions) => {
      if (!opts.video && (opts.everyFrame || opts.secondsPerHash !== undefined || opts.scale !== undefined)) throw new UsageError('--every-frame, --seconds-per-hash and --scale apply to --video only');
      if (opts.video && opts.dihedral) throw new UsageError('--dihedral applies to images only');
      const video = { everyFrame: Boolean(opts.everyFrame), secondsPerHash: positiveNumber(opts.secondsPerHash, '--seconds-per-hash', false), scale: positiveNumber(opts.scale, '--scale', true) };
      const results: Hashed[] = [];
      for (const path of files) {
        try {
          results.push(opts.video ? await hashVideo(path, video) : await hashImage(path, Boolean(opts.dihedral)));
        } catch (e) {
          const fsError = (e as NodeJS.ErrnoException).code;
          if (e instanceof ImageDecodeError || e instanceof VideoDecodeError) results.push({ path, error: { code: e.code, message: e.message } });
          else if (fsError === 'ENOENT' || fsError === 'EISDIR' || fsError === 'EACCES') results.push({ path, error: { code: 'VIGIL_FILE_UNREADABLE', message: `cannot read ${path} (${fsError})` } });
          else throw e;
        }
        const last = results.at(-1)!;
        if ('error' in last) process.stderr.write(`vigil: ${last.path}: ${last.error.code}: ${last.error.message}\n`);
        else if (!opts.json) process.stdout.write(`${asText(last, files.length > 1)}\n`);
      }
      if (opts.json) process.stdout.write(`${JSON.stringify(results.map((r) => ('lines' in r ? { path: r.path, vpdq: r.vpdq, frames: r.frames, videoMd5: r.videoMd5 } : r)), null, 2)}\n`);
      // A file that cannot be hashed is refused input; the others are still printed.
      if (results.some((r) => 'error' in r)) process.exitCode = EXIT_USAGE;
    });
}
