/**
 * Pure builders for the ffprobe and ffmpeg command lines that feed vPDQ
 * (immich style: strings in, argument arrays out, unit-tested without running
 * anything). `video-frames.ts` runs them.
 *
 * How the decode command reproduces the C++ reference
 * (`vpdq/cpp/vpdq/cpp/hashing/{filehasher,ffmpegwrapper}.cpp`):
 *
 * - Stream: the first video stream (`-map 0:v:0`), as the reference's loop
 *   over `nb_streams`.
 * - Frame numbers: the reference numbers frames by the decoder's frame
 *   counter. `-fps_mode passthrough` makes ffmpeg emit every decoded frame
 *   exactly once (the default for the rawvideo muxer is constant frame rate,
 *   which duplicates and drops frames), so output frame k is decoder frame k.
 * - Sampling: with n = `vpdqFrameStep(secondsPerHash, fps)` the reference
 *   hashes frames with `frameNumber % n == 0`; `select=not(mod(n\,N))` keeps
 *   the same frames (the select filter's `n` counts its input frames from 0),
 *   so output frame k is decoder frame k·N. Selection runs before scaling so
 *   skipped frames cost no conversion.
 * - Pixels: the reference converts with `sws_getContext(..., SWS_AREA)` to
 *   RGB24, at native size or N×N. We run the same swscale through the scale
 *   filter with `flags=area`, and pin the YUV matrix to BT.601 because
 *   `sws_getContext` always uses its default (BT.601) while the scale filter
 *   would otherwise follow the stream's colour tags. The output is always
 *   scaled to the probed size, so a mid-stream resolution change cannot
 *   change the frame size under our fixed buffers.
 * - Rotation: the reference ignores display-matrix side data; ffmpeg
 *   auto-rotates unless told `-noautorotate`.
 * - Errors: the reference gives up when the decoder returns an error;
 *   `-xerror` makes ffmpeg exit non-zero on decode and read errors too (a
 *   truncated file therefore fails instead of hashing a prefix).
 *
 * Safety: the input is forced through the `file:` protocol (a path like
 * `concat:…` or `http://…` is not a protocol switch), only the `file`
 * protocol may be opened, and only the container formats in
 * `VIDEO_CONTAINER_FORMATS` may be demuxed (no HLS/DASH/concat playlists that
 * pull in other files or URLs).
 */
import { vpdqFrameStep } from '../../algorithms/vpdq/vpdq.ts';

/**
 * Demuxers we accept (ffmpeg short names; `mov` covers mp4/m4v/3gp, `matroska`
 * covers webm). Still-image demuxers (`png_pipe`, `image2`...) are absent on
 * purpose: a photo goes through PDQ, not vPDQ.
 */
export const VIDEO_CONTAINER_FORMATS: readonly string[] = [
  'mov',
  'matroska',
  'avi',
  'flv',
  'mpegts',
  'mpeg',
  'asf',
  'ogg',
  'gif',
  'ivf',
  'nut',
  'mxf',
  'rm',
  'dv',
  'h264',
  'hevc',
  'm4v',
  'mpegvideo',
  'obu',
  'yuv4mpegpipe',
];

/** Swscale algorithm of the reference (`get_downsample_method()` = `SWS_AREA`). */
export const VPDQ_SWS_FLAGS = 'area';

/** Fields `video-frames.ts` reads from `ffprobe -print_format json`. */
export const FFPROBE_ENTRIES =
  'stream=index,codec_type,codec_name,width,height,pix_fmt,avg_frame_rate,r_frame_rate,duration,nb_frames' +
  ':stream_disposition=attached_pic:format=format_name,duration';

/** The input URL: always the file protocol, whatever the path looks like. */
export function fileInputUrl(path: string): string {
  if (path.length === 0 || path.includes('\0')) throw new TypeError('video path must be a non-empty string without NUL');
  return `file:${path}`;
}

/** Options shared by the probe and the decode: what may be opened, and how. */
function inputOptions(): string[] {
  return ['-protocol_whitelist', 'file', '-format_whitelist', VIDEO_CONTAINER_FORMATS.join(',')];
}

/**
 * `ffprobe` arguments: JSON with the first video stream's size, pixel
 * format, frame rates, duration and frame count, plus the container's name
 * and duration.
 *
 * @example
 * ffprobeArgs('/tmp/a.mp4');
 * // ['-v', 'error', ..., '-select_streams', 'v:0', '-show_entries', FFPROBE_ENTRIES, 'file:/tmp/a.mp4']
 */
export function ffprobeArgs(path: string): string[] {
  return [
    '-v',
    'error',
    ...inputOptions(),
    '-print_format',
    'json',
    '-select_streams',
    'v:0',
    '-show_entries',
    FFPROBE_ENTRIES,
    fileInputUrl(path),
  ];
}

export interface FrameDecodeOptions {
  path: string;
  /** Scale every frame to N×N (the reference's `-s N`), or null for the native size. */
  scale: null | number;
  /** Hash every frame (the same as secondsPerHash = 0). */
  everyFrame: boolean;
  /** One hashed frame per this many seconds (see `vpdqFrameStep`); ignored if everyFrame. */
  secondsPerHash: number;
  /** The stream's avg_frame_rate (else r_frame_rate), frames per second. */
  frameRate: number;
  /** The stream's width and height from ffprobe (the decoder's size). */
  width: number;
  height: number;
  /** Stop after this many output frames (`-frames:v`), a backstop for lying headers. */
  maxFrames?: number;
}

/** Size of the frames the decode command writes. */
export function frameOutputSize(options: Pick<FrameDecodeOptions, 'scale' | 'width' | 'height'>): {
  width: number;
  height: number;
} {
  const { scale, width, height } = options;
  if (scale !== null) {
    if (!Number.isInteger(scale) || scale < 1 || scale > 16384) {
      throw new RangeError(`scale must be an integer 1..16384 (N for N×N), got ${scale}`);
    }
    return { width: scale, height: scale };
  }
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`video size must be positive integers, got ${width}x${height}`);
  }
  return { width, height };
}

/** The decoder frame step N of the decode command: hashed frames are 0, N, 2N... */
export function frameDecodeStep(options: Pick<FrameDecodeOptions, 'everyFrame' | 'secondsPerHash' | 'frameRate'>): number {
  return options.everyFrame ? 1 : vpdqFrameStep(options.secondsPerHash, options.frameRate);
}

/**
 * `ffmpeg` arguments that write the frames vPDQ hashes to stdout as raw
 * RGB24, `frameOutputSize` pixels each, in decoder order.
 *
 * @example
 * frameDecodeArgs({ path: '/tmp/a.mp4', scale: null, everyFrame: false, secondsPerHash: 1,
 *   frameRate: 30, width: 480, height: 720 });
 * // [..., '-i', 'file:/tmp/a.mp4', '-map', '0:v:0',
 * //  '-vf', 'select=not(mod(n\\,30)),scale=480:720:flags=area:in_color_matrix=bt601,format=rgb24',
 * //  '-fps_mode', 'passthrough', ..., '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']
 */
export function frameDecodeArgs(options: FrameDecodeOptions): string[] {
  const step = frameDecodeStep(options);
  const out = frameOutputSize(options);
  const filters: string[] = [];
  if (step > 1) filters.push(`select=not(mod(n\\,${step}))`);
  filters.push(`scale=${out.width}:${out.height}:flags=${VPDQ_SWS_FLAGS}:in_color_matrix=bt601`, 'format=rgb24');
  const args = [
    '-v',
    'error',
    '-nostdin',
    '-xerror',
    ...inputOptions(),
    '-noautorotate',
    '-i',
    fileInputUrl(options.path),
    '-map',
    '0:v:0',
    '-vf',
    filters.join(','),
    '-fps_mode',
    'passthrough',
    '-sws_flags',
    VPDQ_SWS_FLAGS,
  ];
  if (options.maxFrames !== undefined) {
    if (!Number.isInteger(options.maxFrames) || options.maxFrames < 1) {
      throw new RangeError(`maxFrames must be a positive integer, got ${options.maxFrames}`);
    }
    args.push('-frames:v', String(options.maxFrames));
  }
  args.push('-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1');
  return args;
}
