/**
 * vPDQ of a video file: frames from `video-frames.ts` (system ffmpeg, limits
 * enforced there), one full-resolution PDQ per selected frame (`computePdq`,
 * no 512 pre-resize, as the reference's `pdqHash256FromFloatLuma`).
 *
 * Defaults follow HMA: one hashed frame per second (`VPDQSignal.hash_from_file`)
 * at native resolution. `everyFrame` and `scale` reproduce the C++
 * reference's `-r 0` and `-s N`, which is how the shared golden vectors were
 * made.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computePdq } from '../../algorithms/pdq/pdq.ts';
import { VPDQ_SECONDS_PER_HASH } from '../../algorithms/vpdq/vpdq.ts';
import type { VpdqFrame } from '../../algorithms/vpdq/vpdq.ts';
import { readVideoFrames } from './video-frames.ts';
import type { FfmpegBinaries, VideoLimits, VideoProbe } from './video-frames.ts';

export interface HashVideoOptions extends FfmpegBinaries {
  /** One hashed frame per this many seconds (frames 0, N, 2N... with N = trunc(seconds·fps)); 0 = every frame. Default 1. */
  secondsPerHash?: number;
  /** Hash every frame (overrides secondsPerHash). */
  everyFrame?: boolean;
  /** Scale each frame to N×N with swscale's area filter before hashing; null = native size. */
  scale?: number | null;
  /** Stops ffmpeg and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Override some limits (tests, or an operator's stricter policy). */
  limits?: Partial<VideoLimits>;
  /** Called once with the ffprobe result, before decoding. */
  onProbe?: (probe: VideoProbe) => void;
}

/**
 * Hashes a video file into vPDQ frames, in frame order.
 *
 * Throws `VideoDecodeError` (see `readVideoFrames`) for unreadable, empty,
 * over-limit or still-image input, and when ffmpeg is missing.
 *
 * @example
 * const frames = await hashVideoFile('/tmp/upload.mp4'); // 1 frame/s
 * toHmaJson(frames); // the HMA vPDQ signal string
 * formatVpdqLines(frames); // the C++ reference's hash file
 */
export async function hashVideoFile(path: string, options: HashVideoOptions = {}): Promise<VpdqFrame[]> {
  const frames: VpdqFrame[] = [];
  const { secondsPerHash = VPDQ_SECONDS_PER_HASH, everyFrame = false, scale = null, ...rest } = options;
  for await (const frame of readVideoFrames(path, { ...rest, secondsPerHash, everyFrame, scale })) {
    const { hash, quality } = computePdq(frame.rgb, frame.width, frame.height, 3);
    frames.push({ frameNumber: frame.frameNumber, quality, hash, timestamp: frame.timestamp });
  }
  return frames;
}

/**
 * Hashes a video held in memory (a capture body, an upload): ffprobe and ffmpeg need a seekable
 * file for most containers (MP4 keeps its index at the end), so the bytes go to a private
 * temporary file first, removed afterwards.
 */
export async function hashVideoBytes(bytes: Uint8Array, options: HashVideoOptions = {}): Promise<VpdqFrame[]> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-video-'));
  try {
    const path = join(dir, 'video');
    await writeFile(path, bytes, { mode: 0o600 });
    return await hashVideoFile(path, options);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
