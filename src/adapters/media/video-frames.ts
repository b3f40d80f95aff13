/**
 * Video file -> the RGB24 frames vPDQ hashes, decoded by the system ffmpeg
 * over a pipe, behind explicit limits.
 *
 * Order of work, so that nothing expensive happens before the limits say yes:
 * 1. `stat`: empty or over `VIDEO_MAX_BYTES` is refused without running anything;
 * 2. `ffprobe` (JSON, `VIDEO_PROBE_TIMEOUT_MS`): container, first video
 *    stream, size, frame rate, duration, frame count;
 * 3. limits on the header: pixels per frame, duration, frames to hash;
 * 4. `ffmpeg` writes raw RGB24 to stdout; we copy it into one fixed-size frame
 *    buffer and hand out a frame whenever the buffer is full. The pipe is read
 *    on demand, so a slow consumer pauses ffmpeg (no whole-video buffering).
 *    The frame and duration limits are enforced again while decoding (headers
 *    can lie), and ffmpeg is killed on a limit, on `VIDEO_DECODE_TIMEOUT_MS`,
 *    on the caller's AbortSignal, and when the consumer stops early.
 *
 * The commands, and how they reproduce the reference's frame selection and
 * pixels, are in `ffmpeg-command.ts`.
 *
 * Still images: ffmpeg would open a PNG or JPEG (whatever its extension) as a
 * one-frame "video", and the reference would hash it. We refuse it instead
 * (`VIGIL_VIDEO_NO_VIDEO_STREAM`, "still image"): images belong to PDQ, whose
 * hashes and banks differ, and a one-frame vPDQ would match any video that
 * shows that picture for a moment. Audio files whose only "video" is cover
 * art are refused the same way.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { vpdqTimestamp } from '../../algorithms/vpdq/vpdq.ts';
import {
  ffprobeArgs,
  fileInputUrl,
  frameDecodeArgs,
  frameDecodeStep,
  frameOutputSize,
  VIDEO_CONTAINER_FORMATS,
} from './ffmpeg-command.ts';

/** Largest video file we open: 2 GiB. */
export const VIDEO_MAX_BYTES = 2 * 1024 ** 3;

/** Longest video we hash: 3 hours (header duration, and frame timestamps while decoding). */
export const VIDEO_MAX_DURATION_S = 3 * 60 * 60;

/** Most frames hashed per video: 3 h at 1 hash/s is 10,800; every frame of 30 min at 50 fps is 90,000. */
export const VIDEO_MAX_FRAMES_HASHED = 100_000;

/** Largest frame we decode, in pixels: DCI 8K (8192x4320); one RGB24 frame is then 106 MB. */
export const VIDEO_MAX_PIXELS_PER_FRAME = 8192 * 4320;

/** Wall-clock limit for one decode (ffmpeg plus our hashing): 10 minutes. */
export const VIDEO_DECODE_TIMEOUT_MS = 10 * 60 * 1000;

/** Wall-clock limit for ffprobe: 30 seconds. */
export const VIDEO_PROBE_TIMEOUT_MS = 30 * 1000;

/** Most ffprobe output we read (its JSON for one stream is under 2 KB). */
const PROBE_MAX_STDOUT_BYTES = 1024 * 1024;

/** How much of ffmpeg's stderr we keep for error messages (the tail). */
const STDERR_TAIL_BYTES = 8 * 1024;

export interface VideoLimits {
  maxBytes: number;
  maxDurationS: number;
  maxFramesHashed: number;
  maxPixelsPerFrame: number;
  decodeTimeoutMs: number;
  probeTimeoutMs: number;
}

export const DEFAULT_VIDEO_LIMITS: Readonly<VideoLimits> = Object.freeze({
  maxBytes: VIDEO_MAX_BYTES,
  maxDurationS: VIDEO_MAX_DURATION_S,
  maxFramesHashed: VIDEO_MAX_FRAMES_HASHED,
  maxPixelsPerFrame: VIDEO_MAX_PIXELS_PER_FRAME,
  decodeTimeoutMs: VIDEO_DECODE_TIMEOUT_MS,
  probeTimeoutMs: VIDEO_PROBE_TIMEOUT_MS,
});

export type VideoErrorCode =
  /** Not a readable video: corrupt, truncated, unreadable, or the decoder failed. */
  | 'VIGIL_VIDEO_UNDECODABLE'
  /** Over the byte limit, or a frame over the pixel limit. */
  | 'VIGIL_VIDEO_TOO_LARGE'
  /** Over the duration limit, or more frames to hash than the limit. */
  | 'VIGIL_VIDEO_TOO_LONG'
  /** Zero bytes, or no frame decoded. */
  | 'VIGIL_VIDEO_EMPTY'
  /** No video stream: audio only, a still image, or only cover art. */
  | 'VIGIL_VIDEO_NO_VIDEO_STREAM'
  /** A container outside `VIDEO_CONTAINER_FORMATS` (e.g. an HLS playlist). */
  | 'VIGIL_VIDEO_UNSUPPORTED_FORMAT'
  /** ffprobe or ffmpeg ran past its time limit and was killed. */
  | 'VIGIL_VIDEO_TIMEOUT'
  /** ffmpeg or ffprobe cannot be run. */
  | 'VIGIL_FFMPEG_MISSING';

export class VideoDecodeError extends Error {
  readonly code: VideoErrorCode;

  constructor(code: VideoErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VideoDecodeError';
    this.code = code;
  }
}

/** What ffprobe says about the container and its first video stream. */
export interface VideoProbe {
  /** ffprobe's demuxer name, e.g. 'mov,mp4,m4a,3gp,3g2,mj2'. */
  formatName: string;
  codecName: string;
  pixelFormat: string;
  width: number;
  height: number;
  /** avg_frame_rate, else r_frame_rate, in frames per second (the reference's choice). */
  frameRate: number;
  /** The same as ffprobe wrote it, e.g. '30000/1001'. */
  frameRateText: string;
  /** Stream duration, else container duration, in seconds; null if unknown. */
  durationS: number | null;
  /** nb_frames from the container; null if unknown. */
  frameCount: number | null;
  /** File size in bytes. */
  bytes: number;
}

export interface FfmpegBinaries {
  /** Default 'ffmpeg' from PATH. */
  ffmpegPath?: string;
  /** Default 'ffprobe' from PATH. */
  ffprobePath?: string;
}

export interface ProbeVideoOptions extends FfmpegBinaries {
  limits?: Partial<VideoLimits>;
  signal?: AbortSignal;
}

export interface ReadVideoFramesOptions extends ProbeVideoOptions {
  /** One hashed frame per this many seconds; 0 = every frame. Default 1. */
  secondsPerHash?: number;
  /** Every frame, whatever secondsPerHash says. */
  everyFrame?: boolean;
  /** Scale frames to N×N before hashing (the reference's `-s N`); null/undefined = native size. */
  scale?: number | null;
  /** Called once with the probe result, before decoding starts. */
  onProbe?: (probe: VideoProbe) => void;
}

/** One decoded frame. `rgb` is reused for the next frame: copy it to keep it. */
export interface VideoFrame {
  /** 0-based decoder frame index. */
  frameNumber: number;
  /** frameNumber / frame rate, with the reference's float32 arithmetic. */
  timestamp: number;
  width: number;
  height: number;
  /** width·height·3 bytes, RGB24, row-major, no padding. */
  rgb: Uint8Array;
}

/**
 * Checks the file and reads its header with ffprobe. Throws
 * `VideoDecodeError`: EMPTY (0 bytes), TOO_LARGE (over `maxBytes`),
 * UNDECODABLE (missing, corrupt, truncated beyond the header, no frame rate),
 * UNSUPPORTED_FORMAT, NO_VIDEO_STREAM, TIMEOUT, FFMPEG_MISSING.
 */
export async function probeVideo(path: string, options: ProbeVideoOptions = {}): Promise<VideoProbe> {
  const limits = { ...DEFAULT_VIDEO_LIMITS, ...options.limits };
  options.signal?.throwIfAborted();
  let bytes: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new VideoDecodeError('VIGIL_VIDEO_UNDECODABLE', `video path is not a regular file: ${path}`);
    bytes = info.size;
  } catch (err) {
    if (err instanceof VideoDecodeError) throw err;
    throw new VideoDecodeError('VIGIL_VIDEO_UNDECODABLE', `cannot read video file: ${errorMessage(err)}`, { cause: err });
  }
  if (bytes === 0) throw new VideoDecodeError('VIGIL_VIDEO_EMPTY', 'video file is empty (0 bytes)');
  if (bytes > limits.maxBytes) {
    throw new VideoDecodeError('VIGIL_VIDEO_TOO_LARGE', `video file is ${bytes} bytes, the limit is ${limits.maxBytes}`);
  }

  const ffprobe = options.ffprobePath ?? 'ffprobe';
  const result = await runCollecting(ffprobe, ffprobeArgs(path), {
    timeoutMs: limits.probeTimeoutMs,
    maxStdoutBytes: PROBE_MAX_STDOUT_BYTES,
    signal: options.signal,
  });
  if (result.timedOut) {
    throw new VideoDecodeError('VIGIL_VIDEO_TIMEOUT', `ffprobe took longer than ${limits.probeTimeoutMs} ms and was stopped`);
  }
  if (result.code !== 0) throw probeFailure(result.stderr, result.code, fileInputUrl(path));
  return parseProbe(result.stdout, bytes);
}

/**
 * Refuses, before decoding, a video whose header is over a limit:
 * TOO_LARGE for pixels per frame (native, and the N×N output), TOO_LONG for
 * duration or for the number of frames that would be hashed
 * (nb_frames, else duration × fps, divided by the frame step).
 */
export function checkVideoLimits(
  probe: VideoProbe,
  plan: { step: number; scale: number | null },
  limits: VideoLimits,
): void {
  const pixels = probe.width * probe.height;
  if (pixels > limits.maxPixelsPerFrame) {
    throw new VideoDecodeError(
      'VIGIL_VIDEO_TOO_LARGE',
      `video frames are ${probe.width}x${probe.height} = ${pixels} pixels, the limit is ${limits.maxPixelsPerFrame}`,
    );
  }
  if (plan.scale !== null && plan.scale * plan.scale > limits.maxPixelsPerFrame) {
    throw new VideoDecodeError(
      'VIGIL_VIDEO_TOO_LARGE',
      `scaled frames would be ${plan.scale}x${plan.scale} pixels, the limit is ${limits.maxPixelsPerFrame}`,
    );
  }
  if (probe.durationS !== null && probe.durationS > limits.maxDurationS) {
    throw new VideoDecodeError(
      'VIGIL_VIDEO_TOO_LONG',
      `video is ${probe.durationS.toFixed(3)} s long, the limit is ${limits.maxDurationS} s`,
    );
  }
  const frames = probe.frameCount ?? (probe.durationS !== null ? Math.ceil(probe.durationS * probe.frameRate) : null);
  if (frames !== null) {
    const hashed = Math.ceil(frames / plan.step);
    if (hashed > limits.maxFramesHashed) {
      throw new VideoDecodeError(
        'VIGIL_VIDEO_TOO_LONG',
        `video would need ${hashed} frames hashed (${frames} frames, every ${plan.step}), the limit is ${limits.maxFramesHashed}`,
      );
    }
  }
}

/**
 * Probes, checks the limits, then decodes and yields the frames vPDQ hashes,
 * in order: frame numbers 0, N, 2N... with N = `frameDecodeStep` (1 for every
 * frame). Each frame's `rgb` buffer is reused; consume it before asking for
 * the next frame. Breaking out of the loop stops ffmpeg.
 *
 * Throws `VideoDecodeError` (see `probeVideo` and `checkVideoLimits`; while
 * decoding: UNDECODABLE if ffmpeg fails or stops inside a frame, TOO_LONG when
 * the frame or duration limit is passed, TIMEOUT after `decodeTimeoutMs`,
 * EMPTY if no frame was decoded), or the signal's reason when aborted.
 *
 * @example
 * for await (const frame of readVideoFrames('/tmp/a.mp4', { secondsPerHash: 1 })) {
 *   const { hash, quality } = computePdq(frame.rgb, frame.width, frame.height, 3);
 * }
 */
export async function* readVideoFrames(
  path: string,
  options: ReadVideoFramesOptions = {},
): AsyncGenerator<VideoFrame, void, undefined> {
  const limits = { ...DEFAULT_VIDEO_LIMITS, ...options.limits };
  const { signal } = options;
  const scale = options.scale ?? null;
  const secondsPerHash = options.secondsPerHash ?? 1;
  const everyFrame = options.everyFrame ?? false;

  const probe = await probeVideo(path, options);
  const plan = { everyFrame, secondsPerHash, frameRate: probe.frameRate, scale, width: probe.width, height: probe.height };
  let step: number;
  let size: { width: number; height: number };
  try {
    step = frameDecodeStep(plan);
    size = frameOutputSize(plan);
  } catch (err) {
    throw new VideoDecodeError('VIGIL_VIDEO_UNDECODABLE', `cannot plan the decode: ${errorMessage(err)}`, { cause: err });
  }
  checkVideoLimits(probe, { step, scale }, limits);
  options.onProbe?.(probe);
  signal?.throwIfAborted();

  // One frame more than the limit, so that passing it is seen (and refused) rather than silently cut.
  const args = frameDecodeArgs({ ...plan, path, maxFrames: limits.maxFramesHashed + 1 });
  const ffmpeg = options.ffmpegPath ?? 'ffmpeg';
  const frameBytes = size.width * size.height * 3;

  const child = spawn(ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr = tailCollector(child);
  const exited = waitForExit(child);
  let failure: unknown = null;
  const fail = (err: unknown): void => {
    failure ??= err;
    child.kill('SIGKILL');
  };
  const timer = setTimeout(
    () => fail(new VideoDecodeError('VIGIL_VIDEO_TIMEOUT', `decoding took longer than ${limits.decodeTimeoutMs} ms and was stopped`)),
    limits.decodeTimeoutMs,
  );
  const onAbort = (): void => fail(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });

  try {
    const rgb = new Uint8Array(frameBytes);
    let filled = 0;
    let index = 0;
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      if (failure !== null) break;
      let offset = 0;
      while (offset < chunk.length) {
        const n = Math.min(frameBytes - filled, chunk.length - offset);
        rgb.set(chunk.subarray(offset, offset + n), filled);
        filled += n;
        offset += n;
        if (filled < frameBytes) continue;
        filled = 0;
        const frameNumber = index * step;
        index++;
        if (index > limits.maxFramesHashed) {
          fail(new VideoDecodeError('VIGIL_VIDEO_TOO_LONG', `video has more than ${limits.maxFramesHashed} frames to hash`));
          break;
        }
        if (frameNumber / probe.frameRate > limits.maxDurationS) {
          fail(new VideoDecodeError('VIGIL_VIDEO_TOO_LONG', `video runs past the ${limits.maxDurationS} s limit`));
          break;
        }
        yield { frameNumber, timestamp: vpdqTimestamp(frameNumber, probe.frameRate), width: size.width, height: size.height, rgb };
        if (failure !== null) break;
      }
      if (failure !== null) break;
    }
    const exit = await exited;
    if (failure !== null) throw failure;
    if (exit.spawnError) throw spawnFailure(ffmpeg, exit.spawnError);
    if (exit.code !== 0) {
      throw new VideoDecodeError(
        'VIGIL_VIDEO_UNDECODABLE',
        `ffmpeg could not decode the video (exit ${exit.code ?? exit.signal}): ${lastLines(stderr.text(), fileInputUrl(path)) || 'no message'}`,
      );
    }
    if (filled !== 0) {
      throw new VideoDecodeError('VIGIL_VIDEO_UNDECODABLE', `ffmpeg output ended inside frame ${index} (${filled} of ${frameBytes} bytes)`);
    }
    if (index === 0) throw new VideoDecodeError('VIGIL_VIDEO_EMPTY', 'the video stream has no decodable frame');
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

// ---------------------------------------------------------------------------
// ffprobe output.

interface ProbeJson {
  streams?: Array<{
    codec_type?: string;
    codec_name?: string;
    width?: number;
    height?: number;
    pix_fmt?: string;
    avg_frame_rate?: string;
    r_frame_rate?: string;
    duration?: string;
    nb_frames?: string;
    disposition?: { attached_pic?: number };
  }>;
  format?: { format_name?: string; duration?: string };
}

function parseProbe(stdout: string, bytes: number): VideoProbe {
  let json: ProbeJson;
  try {
    json = JSON.parse(stdout) as ProbeJson;
  } catch (err) {
    throw new VideoDecodeError('VIGIL_VIDEO_UNDECODABLE', 'ffprobe printed no readable JSON', { cause: err });
  }
  const formatName = json.format?.format_name ?? 'unknown';
  const stream = json.streams?.[0];
  if (!stream || stream.codec_type !== 'video') {
    throw new VideoDecodeError('VIGIL_VIDEO_NO_VIDEO_STREAM', `the file has no video stream (container '${formatName}')`);
  }
  if (stream.disposition?.attached_pic === 1) {
    throw new VideoDecodeError(
      'VIGIL_VIDEO_NO_VIDEO_STREAM',
      `the file's only video stream is an attached cover picture (container '${formatName}')`,
    );
  }
  const width = stream.width ?? 0;
  const height = stream.height ?? 0;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new VideoDecodeError('VIGIL_VIDEO_UNDECODABLE', `the video stream has no valid frame size (${width}x${height})`);
  }
  // ffmpegwrapper.cpp: avg_frame_rate, else r_frame_rate; zero is an error.
  let frameRateText = stream.avg_frame_rate ?? '0/0';
  let frameRate = parseRational(frameRateText);
  if (frameRate === null) {
    frameRateText = stream.r_frame_rate ?? '0/0';
    frameRate = parseRational(frameRateText);
  }
  if (frameRate === null) {
    throw new VideoDecodeError('VIGIL_VIDEO_UNDECODABLE', 'the video stream has no frame rate (avg_frame_rate and r_frame_rate are 0)');
  }
  const durationS = parseNonNegative(stream.duration) ?? parseNonNegative(json.format?.duration);
  const frameCount = parseNonNegative(stream.nb_frames);
  return {
    formatName,
    codecName: stream.codec_name ?? 'unknown',
    pixelFormat: stream.pix_fmt ?? 'unknown',
    width,
    height,
    frameRate,
    frameRateText,
    durationS,
    frameCount: frameCount !== null && Number.isInteger(frameCount) && frameCount > 0 ? frameCount : null,
    bytes,
  };
}

function parseRational(text: string): number | null {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  if (!m) return null;
  const num = Number(m[1]);
  const den = Number(m[2]);
  if (num === 0 || den === 0) return null;
  return num / den;
}

function parseNonNegative(text: string | undefined): number | null {
  if (text === undefined || !/^\d+(\.\d+)?$/.test(text)) return null; // 'N/A' and the like
  return Number(text);
}

/** Turns ffprobe's complaint into the most precise error we can give. */
function probeFailure(stderr: string, code: number | null, inputUrl: string): VideoDecodeError {
  // libavformat: "[png_pipe @ 0x…] Format not on whitelist 'mov,…'"
  const refused = /\[([\w,]+) @ [^\]]*\] Format not on whitelist/.exec(stderr);
  if (refused) {
    const demuxer = refused[1]!;
    if (/_pipe$|^image2/.test(demuxer)) {
      return new VideoDecodeError(
        'VIGIL_VIDEO_NO_VIDEO_STREAM',
        `the file is a still image (${demuxer.replace(/_pipe$/, '')}), not a video; hash it with PDQ`,
      );
    }
    return new VideoDecodeError(
      'VIGIL_VIDEO_UNSUPPORTED_FORMAT',
      `container '${demuxer}' is not accepted (accepted: ${VIDEO_CONTAINER_FORMATS.join(', ')})`,
    );
  }
  return new VideoDecodeError(
    'VIGIL_VIDEO_UNDECODABLE',
    `not a readable video (ffprobe exit ${code}): ${lastLines(stderr, inputUrl) || 'no message'}`,
  );
}

// ---------------------------------------------------------------------------
// Processes.

interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
  spawnError: NodeJS.ErrnoException | null;
}

function waitForExit(child: ChildProcess): Promise<ExitStatus> {
  return new Promise((resolve) => {
    let spawnError: NodeJS.ErrnoException | null = null;
    child.on('error', (err: NodeJS.ErrnoException) => {
      spawnError ??= err;
      // A process that never started emits no 'close' on some Node versions.
      if (child.pid === undefined) resolve({ code: null, signal: null, spawnError });
    });
    child.once('close', (code, signal) => resolve({ code, signal, spawnError }));
  });
}

function spawnFailure(command: string, err: NodeJS.ErrnoException): VideoDecodeError {
  if (err.code === 'ENOENT' || err.code === 'EACCES') {
    return new VideoDecodeError(
      'VIGIL_FFMPEG_MISSING',
      `cannot run '${command}' (${err.code}); install ffmpeg (Debian: apt-get install ffmpeg)`,
      { cause: err },
    );
  }
  return new VideoDecodeError('VIGIL_VIDEO_UNDECODABLE', `cannot run '${command}': ${err.message}`, { cause: err });
}

/** Keeps the last STDERR_TAIL_BYTES of a child's stderr. */
function tailCollector(child: ChildProcess): { text(): string } {
  let chunks: Buffer[] = [];
  let size = 0;
  child.stderr?.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    size += chunk.length;
    if (size > 2 * STDERR_TAIL_BYTES) {
      const joined = Buffer.concat(chunks).subarray(-STDERR_TAIL_BYTES);
      chunks = [joined];
      size = joined.length;
    }
  });
  return { text: () => Buffer.concat(chunks).subarray(-STDERR_TAIL_BYTES).toString('utf8') };
}

/** Runs a short command to completion, collecting a bounded stdout. */
async function runCollecting(
  command: string,
  args: string[],
  options: { timeoutMs: number; maxStdoutBytes: number; signal: AbortSignal | undefined },
): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr = tailCollector(child);
  const exited = waitForExit(child);
  const stdout: Buffer[] = [];
  let stdoutBytes = 0;
  let overflow = false;
  child.stdout?.on('data', (chunk: Buffer) => {
    stdoutBytes += chunk.length;
    if (stdoutBytes > options.maxStdoutBytes) {
      overflow = true;
      child.kill('SIGKILL');
    } else {
      stdout.push(chunk);
    }
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.timeoutMs);
  const onAbort = (): void => {
    child.kill('SIGKILL');
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const exit = await exited;
    options.signal?.throwIfAborted();
    if (exit.spawnError) throw spawnFailure(command, exit.spawnError);
    if (overflow) {
      throw new VideoDecodeError('VIGIL_VIDEO_UNDECODABLE', `${command} printed more than ${options.maxStdoutBytes} bytes`);
    }
    return { code: exit.code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: stderr.text(), timedOut };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/**
 * The last few non-empty lines of an ffmpeg log, joined, for an error
 * message: without the `@ 0x…` context pointers, and with the input URL
 * replaced by 'input' so messages do not carry server paths.
 */
function lastLines(text: string, inputUrl: string, count = 3): string {
  return text
    .split(inputUrl)
    .join('input')
    .split('\n')
    .map((l) => l.replace(/ @ 0x[0-9a-f]+\]/g, ']').trim())
    .filter((l) => l.length > 0)
    .slice(-count)
    .join(' | ')
    .slice(0, 500);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
