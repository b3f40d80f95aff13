import { describe, expect, it } from 'vitest';
import {
  FFPROBE_ENTRIES,
  ffprobeArgs,
  fileInputUrl,
  frameDecodeArgs,
  frameDecodeStep,
  frameOutputSize,
  VIDEO_CONTAINER_FORMATS,
} from './ffmpeg-command.ts';
import type { FrameDecodeOptions } from './ffmpeg-command.ts';

const SD: FrameDecodeOptions = {
  path: '/data/in.mp4',
  scale: null,
  everyFrame: false,
  secondsPerHash: 1,
  frameRate: 30,
  width: 480,
  height: 720,
};

/** The value following `flag` in an argument list. */
function valueOf(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

describe('ffprobeArgs', () => {
  it('asks for JSON about the first video stream and the container', () => {
    expect(ffprobeArgs('/data/in.mp4')).toEqual([
      '-v',
      'error',
      '-protocol_whitelist',
      'file',
      '-format_whitelist',
      VIDEO_CONTAINER_FORMATS.join(','),
      '-print_format',
      'json',
      '-select_streams',
      'v:0',
      '-show_entries',
      FFPROBE_ENTRIES,
      'file:/data/in.mp4',
    ]);
    for (const field of ['width', 'height', 'avg_frame_rate', 'r_frame_rate', 'duration', 'nb_frames', 'attached_pic', 'format_name']) {
      expect(FFPROBE_ENTRIES).toContain(field);
    }
  });
});

describe('fileInputUrl', () => {
  it('forces the file protocol, so a path is never a protocol or an option', () => {
    expect(fileInputUrl('/tmp/a.mp4')).toBe('file:/tmp/a.mp4');
    expect(fileInputUrl('concat:/etc/passwd|/etc/hosts')).toBe('file:concat:/etc/passwd|/etc/hosts');
    expect(fileInputUrl('-i')).toBe('file:-i');
    expect(fileInputUrl('relative dir/clip one.mp4')).toBe('file:relative dir/clip one.mp4');
  });

  it('refuses an empty path and NUL bytes', () => {
    expect(() => fileInputUrl('')).toThrow(TypeError);
    expect(() => fileInputUrl('/tmp/a\0.mp4')).toThrow(TypeError);
  });
});

describe('frameDecodeArgs', () => {
  it('writes raw RGB24 of the first video stream to stdout, one frame per decoded frame', () => {
    const args = frameDecodeArgs(SD);
    expect(args.slice(0, 4)).toEqual(['-v', 'error', '-nostdin', '-xerror']);
    expect(valueOf(args, '-i')).toBe('file:/data/in.mp4');
    expect(valueOf(args, '-map')).toBe('0:v:0');
    expect(valueOf(args, '-fps_mode')).toBe('passthrough');
    expect(valueOf(args, '-sws_flags')).toBe('area');
    expect(valueOf(args, '-f')).toBe('rawvideo');
    expect(valueOf(args, '-pix_fmt')).toBe('rgb24');
    expect(args.at(-1)).toBe('pipe:1');
    // Input options come before -i; output options after it.
    const input = args.indexOf('-i');
    for (const flag of ['-protocol_whitelist', '-format_whitelist', '-noautorotate', '-xerror']) {
      expect(args.indexOf(flag)).toBeLessThan(input);
    }
    for (const flag of ['-map', '-vf', '-fps_mode', '-sws_flags', '-f', '-pix_fmt']) {
      expect(args.indexOf(flag)).toBeGreaterThan(input);
    }
    expect(valueOf(args, '-protocol_whitelist')).toBe('file');
    expect(valueOf(args, '-format_whitelist')).toBe(VIDEO_CONTAINER_FORMATS.join(','));
  });

  it('at 1 hash/s keeps frames 0, 30, 60... before converting, with the area filter and BT.601', () => {
    expect(valueOf(frameDecodeArgs(SD), '-vf')).toBe(
      'select=not(mod(n\\,30)),scale=480:720:flags=area:in_color_matrix=bt601,format=rgb24',
    );
  });

  it('truncates seconds x fps like the reference (29.97 fps -> every 29th frame)', () => {
    expect(valueOf(frameDecodeArgs({ ...SD, frameRate: 30000 / 1001 }), '-vf')).toMatch(/^select=not\(mod\(n\\,29\)\),/);
    expect(valueOf(frameDecodeArgs({ ...SD, secondsPerHash: 2, frameRate: 25 }), '-vf')).toMatch(/^select=not\(mod\(n\\,50\)\),/);
  });

  it('every frame: no select filter (also secondsPerHash 0, or a step that truncates to 0)', () => {
    const everyFrame = 'scale=480:720:flags=area:in_color_matrix=bt601,format=rgb24';
    expect(valueOf(frameDecodeArgs({ ...SD, everyFrame: true }), '-vf')).toBe(everyFrame);
    expect(valueOf(frameDecodeArgs({ ...SD, secondsPerHash: 0 }), '-vf')).toBe(everyFrame);
    expect(valueOf(frameDecodeArgs({ ...SD, secondsPerHash: 1, frameRate: 0.5 }), '-vf')).toBe(everyFrame);
  });

  it('scales to N×N on request (the reference -s N)', () => {
    const args = frameDecodeArgs({ ...SD, everyFrame: true, scale: 128 });
    expect(valueOf(args, '-vf')).toBe('scale=128:128:flags=area:in_color_matrix=bt601,format=rgb24');
    expect(frameOutputSize({ scale: 128, width: 480, height: 720 })).toEqual({ width: 128, height: 128 });
    expect(frameOutputSize({ scale: null, width: 480, height: 720 })).toEqual({ width: 480, height: 720 });
  });

  it('caps the number of output frames when asked', () => {
    expect(valueOf(frameDecodeArgs({ ...SD, maxFrames: 100_001 }), '-frames:v')).toBe('100001');
    expect(frameDecodeArgs(SD)).not.toContain('-frames:v');
    expect(() => frameDecodeArgs({ ...SD, maxFrames: 0 })).toThrow(RangeError);
  });

  it('refuses impossible sizes and scales', () => {
    expect(() => frameDecodeArgs({ ...SD, scale: 0 })).toThrow(RangeError);
    expect(() => frameDecodeArgs({ ...SD, scale: 12.5 })).toThrow(RangeError);
    expect(() => frameDecodeArgs({ ...SD, width: 0 })).toThrow(RangeError);
    expect(() => frameDecodeArgs({ ...SD, secondsPerHash: -1 })).toThrow(/seconds per hash/);
  });

  it('reports the step it selects', () => {
    expect(frameDecodeStep({ everyFrame: false, secondsPerHash: 1, frameRate: 30 })).toBe(30);
    expect(frameDecodeStep({ everyFrame: true, secondsPerHash: 1, frameRate: 30 })).toBe(1);
  });

  it('keeps a hostile path a single argument', () => {
    const args = frameDecodeArgs({ ...SD, path: '/tmp/x.mp4 -y -f null /etc/passwd' });
    expect(valueOf(args, '-i')).toBe('file:/tmp/x.mp4 -y -f null /etc/passwd');
    expect(args.filter((a) => a === '-y')).toEqual([]);
  });
});

describe('VIDEO_CONTAINER_FORMATS', () => {
  it('accepts the usual video containers and no playlist or still-image demuxer', () => {
    for (const name of ['mov', 'matroska', 'avi', 'flv', 'mpegts', 'asf', 'gif']) expect(VIDEO_CONTAINER_FORMATS).toContain(name);
    for (const name of ['hls', 'dash', 'concat', 'image2', 'png_pipe', 'jpeg_pipe', 'lavfi', 'tee']) {
      expect(VIDEO_CONTAINER_FORMATS).not.toContain(name);
    }
  });
});
