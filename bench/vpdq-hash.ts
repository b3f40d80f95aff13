/**
 * vPDQ hashing speed on an SD video: the system ffmpeg decodes (raw RGB24
 * over a pipe), PDQ hashes in this process. Medians over repeated runs.
 *
 *   node bench/vpdq-hash.ts [runs]
 *
 * Video: `vpdq/videos/chair-orig-22-sd-bar.mp4` from the shared vectors,
 * 480x720 H.264, 30 fps, 22.4 s (673 frames). Modes: 1 frame/s (HMA's
 * default, 23 frames), and every frame (how the golden files were made).
 * "decode only" runs the same ffmpeg command and drains the frames unhashed,
 * to show how the time splits between ffmpeg and PDQ.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { readVideoFrames } from '../src/adapters/media/video-frames.ts';
import type { VideoProbe } from '../src/adapters/media/video-frames.ts';
import { hashVideoFile } from '../src/adapters/media/vpdq-hasher.ts';
import { vectorsDir } from '../test/vectors.ts';

const runs = Math.max(1, Number(process.argv[2] ?? 5));
const video = join(vectorsDir(), 'vpdq', 'videos', 'chair-orig-22-sd-bar.mp4');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface Mode {
  label: string;
  secondsPerHash: number;
  hash: boolean;
}

async function runOnce(mode: Mode): Promise<{ ms: number; frames: number; probe: VideoProbe }> {
  let probe: VideoProbe | undefined;
  const onProbe = (p: VideoProbe): void => {
    probe = p;
  };
  const t0 = performance.now();
  let frames = 0;
  if (mode.hash) {
    frames = (await hashVideoFile(video, { secondsPerHash: mode.secondsPerHash, onProbe })).length;
  } else {
    for await (const _frame of readVideoFrames(video, { secondsPerHash: mode.secondsPerHash, onProbe })) frames++;
  }
  const ms = performance.now() - t0;
  return { ms, frames, probe: probe! };
}

const ffmpegVersion = execFileSync('ffmpeg', ['-version'], { encoding: 'utf8' }).split('\n')[0];
console.log(`node ${process.version}, ${ffmpegVersion}, ${availableParallelism()} CPUs, median of ${runs} runs (after 1 warm-up)`);

const modes: Mode[] = [
  { label: '1 frame/s', secondsPerHash: 1, hash: true },
  { label: '1 frame/s, decode only', secondsPerHash: 1, hash: false },
  { label: 'every frame', secondsPerHash: 0, hash: true },
  { label: 'every frame, decode only', secondsPerHash: 0, hash: false },
];

for (const mode of modes) {
  await runOnce(mode); // warm-up
  const times: number[] = [];
  let last: { frames: number; probe: VideoProbe } | undefined;
  for (let i = 0; i < runs; i++) {
    const r = await runOnce(mode);
    times.push(r.ms);
    last = r;
  }
  const ms = median(times);
  const { frames, probe } = last!;
  const duration = probe.durationS ?? probe.frameCount! / probe.frameRate;
  console.log(
    `${mode.label.padEnd(26)} ${probe.width}x${probe.height} ${probe.frameRateText} fps, ${duration.toFixed(1)} s: ` +
      `${String(frames).padStart(4)} frames in ${(ms / 1000).toFixed(3)} s = ${(ms / frames).toFixed(2).padStart(6)} ms/frame, ` +
      `${(duration / (ms / 1000)).toFixed(1).padStart(5)}x realtime`,
  );
}
