/**
 * vPDQ on real video through the real system ffmpeg, against the upstream
 * golden hashes (`shared/vectors/vpdq`, see its README for provenance and the
 * tolerance rule: same frames and timestamps, distance < 31 where both
 * qualities are >= 50, as upstream's `match-hashes-byline`).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vectorsDir } from '../../../test/vectors.ts';
import { pdqToHex } from '../../algorithms/pdq/pdq.ts';
import {
  formatVpdqLines,
  formatVpdqTimestamp,
  fromHmaJson,
  matchHashFilesByLine,
  matchVpdq,
  parseVpdqLines,
  toHmaJson,
} from '../../algorithms/vpdq/vpdq.ts';
import type { VpdqFrame } from '../../algorithms/vpdq/vpdq.ts';
import {
  checkVideoLimits,
  DEFAULT_VIDEO_LIMITS,
  readVideoFrames,
  VideoDecodeError,
  VIDEO_MAX_PIXELS_PER_FRAME,
} from './video-frames.ts';
import type { VideoErrorCode, VideoProbe } from './video-frames.ts';
import { hashVideoFile } from './vpdq-hasher.ts';
import type { HashVideoOptions } from './vpdq-hasher.ts';

const VPDQ_DIR = join(vectorsDir(), 'vpdq');
const VIDEO_DIR = join(VPDQ_DIR, 'videos');
const VIDEOS = readdirSync(VIDEO_DIR)
  .filter((f) => f.endsWith('.mp4'))
  .map((f) => f.slice(0, -4))
  .sort();
const VIDEOS_128 = VIDEOS.filter((v) => existsSync(join(VPDQ_DIR, 'sample-hashes', `${v}-128x128.txt`)));

/** A decoder that must never run: if it is reached, the error says FFMPEG_MISSING instead of the expected code. */
const NO_FFMPEG = '/nonexistent/ffmpeg-must-not-run';

function videoPath(name: string): string {
  return join(VIDEO_DIR, `${name}.mp4`);
}

/** Every-frame native hashes, computed once per video for the tests that need them. */
const everyFrameNative = new Map<string, Promise<VpdqFrame[]>>();
function hashEveryFrameNative(name: string): Promise<VpdqFrame[]> {
  let result = everyFrameNative.get(name);
  if (!result) {
    result = hashVideoFile(videoPath(name), { everyFrame: true });
    everyFrameNative.set(name, result);
  }
  return result;
}

function expectedHashes(name: string): VpdqFrame[] {
  return parseVpdqLines(readFileSync(join(VPDQ_DIR, 'sample-hashes', `${name}.txt`), 'utf8'));
}

/**
 * Upstream's acceptance: the same frames with the same timestamps, and
 * distance < 31 on every line where both qualities are >= 50. Qualities are
 * also held within 10 of the reference's (measured: within 6).
 */
function expectAgreement(expected: VpdqFrame[], actual: VpdqFrame[]): void {
  expect(actual.length).toBe(expected.length);
  expect(actual.map((f) => f.frameNumber)).toEqual(expected.map((f) => f.frameNumber));
  expect(actual.map((f) => formatVpdqTimestamp(f.timestamp))).toEqual(expected.map((f) => formatVpdqTimestamp(f.timestamp)));
  const byline = matchHashFilesByLine(expected, actual, 31, 50);
  expect(byline).toMatchObject({ match: true, percent: 100, lengthsDiffer: false });
  expect(byline.compared).toBeGreaterThan(0);
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i]!.quality - expected[i]!.quality)).toBeLessThanOrEqual(10);
  }
}

async function expectVideoError(
  path: string,
  options: HashVideoOptions,
  code: VideoErrorCode,
  message: RegExp,
): Promise<void> {
  let error: unknown;
  try {
    await hashVideoFile(path, options);
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(VideoDecodeError);
  expect((error as VideoDecodeError).code).toBe(code);
  expect((error as VideoDecodeError).message).toMatch(message);
}

describe('hashVideoFile on the shared videos (every frame, as the golden files)', () => {
  it('finds all 10 shared videos', () => {
    expect(VIDEOS).toHaveLength(10);
    expect(VIDEOS_128).toHaveLength(9); // test-padded-dimensions has no 128x128 file
  });

  it.each(VIDEOS)('%s: native size agrees line by line with sample-hashes', async (name) => {
    const actual = await hashEveryFrameNative(name);
    expectAgreement(expectedHashes(name), actual);
  });

  it.each(VIDEOS_128)('%s: 128x128 agrees line by line with sample-hashes', async (name) => {
    const actual = await hashVideoFile(videoPath(name), { everyFrame: true, scale: 128 });
    expectAgreement(expectedHashes(`${name}-128x128`), actual);
  });

  it('test-padded-dimensions reproduces the reference file byte for byte', async () => {
    // The README's measurement: with FFmpeg 5.1 this video hashes identically,
    // so the whole line format (fields, hex, 3-decimal timestamps) is checked as text.
    const text = readFileSync(join(VPDQ_DIR, 'sample-hashes', 'test-padded-dimensions.txt'), 'utf8');
    expect(formatVpdqLines(await hashEveryFrameNative('test-padded-dimensions'))).toBe(text);
  });
});

describe('hashVideoFile defaults: one hash per second', () => {
  it.each(['chair-orig-22-sd-bar', 'pattern-longer-no-bar'])('%s: frames 0, 30, 60... of the golden file', async (name) => {
    const expected = expectedHashes(name).filter((f) => f.frameNumber % 30 === 0); // 30 fps
    const actual = await hashVideoFile(videoPath(name));
    expect(actual.map((f) => f.frameNumber)).toEqual(expected.map((f) => f.frameNumber));
    expect(actual.map((f) => formatVpdqTimestamp(f.timestamp))).toEqual(
      expected.map((_, i) => `${i}.000`), // whole seconds at 30 fps
    );
    expectAgreement(expected, actual);
  });

  it('every 2.5 s samples every 75th frame', async () => {
    const actual = await hashVideoFile(videoPath('chair-19-sd-bar'), { secondsPerHash: 2.5 });
    expect(actual.map((f) => f.frameNumber)).toEqual([0, 75, 150, 225, 300, 375, 450, 525]);
    expectAgreement(
      expectedHashes('chair-19-sd-bar').filter((f) => f.frameNumber % 75 === 0),
      actual,
    );
  });

  it('gives an HMA signal that matches the golden every-frame hashes of the same and a re-cut video', async () => {
    const signal = toHmaJson(await hashVideoFile(videoPath('chair-19-sd-bar')));
    const query = fromHmaJson(signal);
    expect(query).toHaveLength(19);
    expect(matchVpdq(query, expectedHashes('chair-19-sd-bar')).match).toBe(true);
    expect(matchVpdq(query, expectedHashes('chair-orig-22-sd-bar')).match).toBe(true);
    expect(matchVpdq(query, expectedHashes('pattern-hd-no-bar')).match).toBe(false);
  });
});

describe('readVideoFrames', () => {
  it('reports the probe and hands out fixed-size RGB frames in order', async () => {
    let probe: VideoProbe | undefined;
    const numbers: number[] = [];
    for await (const frame of readVideoFrames(videoPath('chair-19-sd-bar'), { secondsPerHash: 5, onProbe: (p) => (probe = p) })) {
      expect(frame.rgb.length).toBe(480 * 720 * 3);
      expect([frame.width, frame.height]).toEqual([480, 720]);
      numbers.push(frame.frameNumber);
    }
    expect(numbers).toEqual([0, 150, 300, 450]);
    expect(probe).toMatchObject({
      formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
      codecName: 'h264',
      pixelFormat: 'yuv420p',
      width: 480,
      height: 720,
      frameRate: 30,
      frameRateText: '30/1',
      durationS: 18.8,
      frameCount: 564,
    });
  });

  it('stops ffmpeg when the consumer stops early', async () => {
    const seen: number[] = [];
    for await (const frame of readVideoFrames(videoPath('chair-orig-22-sd-bar'), { everyFrame: true })) {
      seen.push(frame.frameNumber);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual([0, 1, 2]);
  });

  it('rejects with the abort reason, mid-stream', async () => {
    const controller = new AbortController();
    const frames = readVideoFrames(videoPath('chair-orig-22-sd-bar'), { everyFrame: true, signal: controller.signal });
    expect((await frames.next()).value?.frameNumber).toBe(0);
    controller.abort();
    await expect(frames.next()).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('rejects at once with an aborted signal', async () => {
    const signal = AbortSignal.abort();
    await expect(hashVideoFile(videoPath('chair-19-sd-bar'), { signal })).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('checkVideoLimits (on the header, before decoding)', () => {
  const probe: VideoProbe = {
    formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
    codecName: 'h264',
    pixelFormat: 'yuv420p',
    width: 1920,
    height: 1080,
    frameRate: 30,
    frameRateText: '30/1',
    durationS: 600,
    frameCount: null,
    bytes: 1000,
  };
  const limits = { ...DEFAULT_VIDEO_LIMITS, maxFramesHashed: 1000, maxDurationS: 3600 };

  function codeOf(fn: () => void): string | undefined {
    try {
      fn();
      return undefined;
    } catch (err) {
      return (err as VideoDecodeError).code;
    }
  }

  it('estimates the frames to hash from nb_frames, else duration x fps', () => {
    expect(codeOf(() => checkVideoLimits(probe, { step: 30, scale: null }, limits))).toBeUndefined(); // 600 hashed
    expect(codeOf(() => checkVideoLimits(probe, { step: 1, scale: null }, limits))).toBe('VIGIL_VIDEO_TOO_LONG'); // 18,000
    expect(codeOf(() => checkVideoLimits({ ...probe, frameCount: 900 }, { step: 1, scale: null }, limits))).toBeUndefined();
    expect(codeOf(() => checkVideoLimits({ ...probe, durationS: null }, { step: 1, scale: null }, limits))).toBeUndefined(); // unknown: checked while decoding
  });

  it('checks duration and pixels, native and scaled', () => {
    expect(codeOf(() => checkVideoLimits({ ...probe, durationS: 3600.5 }, { step: 30, scale: null }, limits))).toBe('VIGIL_VIDEO_TOO_LONG');
    expect(codeOf(() => checkVideoLimits({ ...probe, width: 8192, height: 4321 }, { step: 30, scale: null }, limits))).toBe(
      'VIGIL_VIDEO_TOO_LARGE',
    );
    expect(codeOf(() => checkVideoLimits({ ...probe, width: 8192, height: 4320 }, { step: 30, scale: null }, limits))).toBeUndefined();
    expect(codeOf(() => checkVideoLimits(probe, { step: 30, scale: 6000 }, limits))).toBe('VIGIL_VIDEO_TOO_LARGE');
    expect(VIDEO_MAX_PIXELS_PER_FRAME).toBe(8192 * 4320);
  });
});

describe('bad input: each gets a clear error', () => {
  let dir: string;
  const file = (name: string): string => join(dir, name);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-vpdq-'));
    writeFileSync(file('zero.mp4'), new Uint8Array(0));
    // First half of a real mp4 whose index (moov) is at the front: it demuxes, then breaks mid-stream.
    const chair = readFileSync(videoPath('chair-19-sd-bar'));
    writeFileSync(file('truncated.mp4'), chair.subarray(0, chair.length >> 1));
    // First half of a real mp4 whose index is at the end: nothing to demux.
    const padded = readFileSync(videoPath('test-padded-dimensions'));
    writeFileSync(file('truncated-no-index.mp4'), padded.subarray(0, padded.length >> 1));
    const noise = Buffer.alloc(100_000);
    for (let i = 0, s = 7; i < noise.length; i++) noise[i] = (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24;
    writeFileSync(file('random.mp4'), noise);
    writeFileSync(
      file('image.mp4'),
      await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 30, b: 30 } } }).png().toBuffer(),
    );
    // An HLS playlist named .mp4: a demuxer that opens other files.
    writeFileSync(file('playlist.mp4'), '#EXTM3U\n#EXT-X-TARGETDURATION:5\n#EXTINF:5,\n' + videoPath('chair-19-sd-bar') + '\n#EXT-X-ENDLIST\n');
    copyFileSync(videoPath('test-padded-dimensions'), file('real-video.webm'));
    const ffmpeg = (...args: string[]): void => {
      execFileSync('ffmpeg', ['-v', 'error', '-nostdin', '-y', ...args], { stdio: 'pipe' });
    };
    ffmpeg('-f', 'lavfi', '-i', 'color=c=gray:size=8000x8000:rate=1:duration=1', '-c:v', 'libx264', '-preset', 'ultrafast', file('huge.mp4'));
    ffmpeg('-f', 'lavfi', '-i', 'sine=duration=1', '-c:a', 'aac', file('audio-only.mp4'));
    // A raw H.264 stream has no duration and no frame count in its header.
    ffmpeg('-f', 'lavfi', '-i', 'testsrc=size=64x64:rate=30', '-t', '3', '-c:v', 'libx264', '-f', 'h264', file('headerless.h264'));
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('zero bytes -> EMPTY, before running anything', async () => {
    await expectVideoError(file('zero.mp4'), { ffprobePath: NO_FFMPEG }, 'VIGIL_VIDEO_EMPTY', /empty \(0 bytes\)/);
  });

  it('truncated mp4 (index first) -> UNDECODABLE once the data runs out', async () => {
    await expectVideoError(file('truncated.mp4'), {}, 'VIGIL_VIDEO_UNDECODABLE', /ffmpeg could not decode the video.*corrupt input packet/);
  });

  it('truncated mp4 (index at the end) -> UNDECODABLE at the probe', async () => {
    await expectVideoError(file('truncated-no-index.mp4'), {}, 'VIGIL_VIDEO_UNDECODABLE', /not a readable video.*moov atom not found/);
  });

  it('random bytes with an .mp4 extension -> UNDECODABLE', async () => {
    await expectVideoError(file('random.mp4'), {}, 'VIGIL_VIDEO_UNDECODABLE', /not a readable video/);
  });

  it('a PNG renamed .mp4 -> NO_VIDEO_STREAM, "still image" (images go to PDQ)', async () => {
    await expectVideoError(file('image.mp4'), {}, 'VIGIL_VIDEO_NO_VIDEO_STREAM', /still image \(png\).*PDQ/);
  });

  it('an audio-only mp4 -> NO_VIDEO_STREAM', async () => {
    await expectVideoError(file('audio-only.mp4'), {}, 'VIGIL_VIDEO_NO_VIDEO_STREAM', /no video stream/);
  });

  it('an HLS playlist renamed .mp4 -> UNSUPPORTED_FORMAT, nothing it names is opened', async () => {
    await expectVideoError(file('playlist.mp4'), {}, 'VIGIL_VIDEO_UNSUPPORTED_FORMAT', /container 'hls' is not accepted/);
  });

  it('a real mp4 named .webm hashes like the original (content decides, not the extension)', async () => {
    const renamed = await hashVideoFile(file('real-video.webm'));
    const original = await hashVideoFile(videoPath('test-padded-dimensions'));
    expect(renamed.map((f) => pdqToHex(f.hash))).toEqual(original.map((f) => pdqToHex(f.hash)));
    expect(renamed).toHaveLength(5);
  });

  it('8000x8000 frames -> TOO_LARGE before decoding', async () => {
    await expectVideoError(file('huge.mp4'), { ffmpegPath: NO_FFMPEG }, 'VIGIL_VIDEO_TOO_LARGE', /8000x8000 = 64000000 pixels/);
  });

  it('over the duration limit -> TOO_LONG before decoding', async () => {
    await expectVideoError(
      videoPath('chair-19-sd-bar'),
      { ffmpegPath: NO_FFMPEG, limits: { maxDurationS: 10 } },
      'VIGIL_VIDEO_TOO_LONG',
      /18\.800 s long, the limit is 10 s/,
    );
  });

  it('over the frame limit -> TOO_LONG before decoding', async () => {
    await expectVideoError(
      videoPath('chair-19-sd-bar'),
      { everyFrame: true, ffmpegPath: NO_FFMPEG, limits: { maxFramesHashed: 500 } },
      'VIGIL_VIDEO_TOO_LONG',
      /564 frames hashed.*limit is 500/,
    );
  });

  it('headerless stream: the duration and frame limits still hold while decoding', async () => {
    expect(await hashVideoFile(file('headerless.h264'))).toHaveLength(3); // 0, 30, 60 of 90 frames
    await expectVideoError(file('headerless.h264'), { limits: { maxDurationS: 1 } }, 'VIGIL_VIDEO_TOO_LONG', /past the 1 s limit/);
    await expectVideoError(
      file('headerless.h264'),
      { everyFrame: true, limits: { maxFramesHashed: 10 } },
      'VIGIL_VIDEO_TOO_LONG',
      /more than 10 frames/,
    );
  });

  it('over the byte limit -> TOO_LARGE', async () => {
    const bytes = statSync(videoPath('chair-19-sd-bar')).size;
    await expectVideoError(
      videoPath('chair-19-sd-bar'),
      { ffprobePath: NO_FFMPEG, limits: { maxBytes: bytes - 1 } },
      'VIGIL_VIDEO_TOO_LARGE',
      new RegExp(`${bytes} bytes, the limit is ${bytes - 1}`),
    );
  });

  it('a missing file or a directory -> UNDECODABLE', async () => {
    await expectVideoError(file('absent.mp4'), {}, 'VIGIL_VIDEO_UNDECODABLE', /cannot read video file: ENOENT/);
    await expectVideoError(dir, {}, 'VIGIL_VIDEO_UNDECODABLE', /not a regular file/);
  });

  it('decoding past the time limit -> TIMEOUT', async () => {
    await expectVideoError(videoPath('chair-19-sd-bar'), { limits: { decodeTimeoutMs: 1 } }, 'VIGIL_VIDEO_TIMEOUT', /longer than 1 ms/);
  });

  it('no ffprobe or no ffmpeg -> FFMPEG_MISSING', async () => {
    await expectVideoError(videoPath('chair-19-sd-bar'), { ffprobePath: NO_FFMPEG }, 'VIGIL_FFMPEG_MISSING', /cannot run .*ENOENT/);
    await expectVideoError(videoPath('chair-19-sd-bar'), { ffmpegPath: NO_FFMPEG }, 'VIGIL_FFMPEG_MISSING', /cannot run .*ENOENT/);
  });

  it('error messages carry neither the server path nor pointers', async () => {
    let message = '';
    try {
      await hashVideoFile(file('truncated.mp4'));
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).not.toContain(dir);
    expect(message).not.toMatch(/0x[0-9a-f]{6,}/);
  });
});
