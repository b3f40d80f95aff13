/**
 * `vigil hash` as a user runs it (the real binary): the reference CLI's lines on the shared PDQ
 * vectors, the dihedral lines, vPDQ of a shared video at the reference's settings, JSON, and
 * refused files reported one by one while the others are still hashed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { vectorsDir } from './vectors.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'vigil');
const PDQ = join(vectorsDir(), 'pdq');
const VPDQ = join(vectorsDir(), 'vpdq');
const tmp = mkdtempSync(join(tmpdir(), 'vigil-hash-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function vigil(args: string[], cwd = PDQ) {
  const r = spawnSync(BIN, args, { cwd, env: { ...process.env, VIGIL_LOG_LEVEL: 'warn' }, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Expected rows of a vectors CSV for the bridge images, keyed by path. */
function expectedRows(file: string): Map<string, string> {
  const lines = readFileSync(join(PDQ, 'expected', file), 'utf8').trim().split('\n').slice(1);
  return new Map(lines.filter((l) => l.includes('data/bridge-mods/')).map((l) => [l.slice(l.lastIndexOf(',') + 1), l]));
}

describe('vigil hash', () => {
  it('prints hash,quality,path exactly as the reference at full resolution', () => {
    const rows = expectedRows('pdq-fullres-noresize.csv');
    const paths = [...rows.keys()];
    expect(paths.length).toBeGreaterThan(5);
    const r = vigil(['hash', ...paths]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(paths.map((p) => rows.get(p)));
  });

  it('prints the 8 dihedral hashes in the reference order with --dihedral', () => {
    const rows = expectedRows('pdq-fullres-noresize-dihedral.csv');
    const paths = [...rows.keys()].slice(0, 3);
    const r = vigil(['hash', '--dihedral', ...paths]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(paths.map((p) => rows.get(p)));
  });

  it('answers JSON with --json, and reports a refused file while hashing the others (exit 2)', () => {
    writeFileSync(join(tmp, 'not-an-image.jpg'), 'plain text with a .jpg name');
    writeFileSync(join(tmp, 'empty.png'), '');
    const good = 'data/bridge-mods/aaa-orig.jpg';
    const r = vigil(['hash', '--json', good, join(tmp, 'not-an-image.jpg'), join(tmp, 'empty.png'), join(tmp, 'missing.png')]);
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout) as { path: string; pdq?: string; quality?: number; error?: { code: string } }[];
    expect(out[0]).toEqual({ path: good, pdq: expectedRows('pdq-fullres-noresize.csv').get(good)!.split(',')[0], quality: 100 });
    expect(out.slice(1).map((o) => o.error?.code)).toEqual(['VIGIL_IMAGE_UNDECODABLE', 'VIGIL_IMAGE_EMPTY', 'VIGIL_FILE_UNREADABLE']);
    expect(r.stderr).toContain('not-an-image.jpg: VIGIL_IMAGE_UNDECODABLE');
  });

  it('hashes a video with vPDQ line for line as the reference (every frame, 128×128)', () => {
    const r = vigil(['hash', '--video', '--every-frame', '--scale', '128', join(VPDQ, 'videos', 'chair-19-sd-bar.mp4')]);
    expect(r.code).toBe(0);
    const expected = readFileSync(join(VPDQ, 'sample-hashes', 'chair-19-sd-bar-128x128.txt'), 'utf8').trim().split('\n');
    const got = r.stdout.trim().split('\n');
    expect(got).toHaveLength(expected.length);
    // Same frame numbers and timestamps; hashes within the vectors' tolerance (see vpdq tests).
    expect(got.map((l) => [l.split(',')[0], l.split(',')[3]])).toEqual(expected.map((l) => [l.split(',')[0], l.split(',')[3]]));
  });

  it('refuses options that do not fit together (exit 2)', () => {
    expect(vigil(['hash', '--scale', '64', 'x.jpg']).code).toBe(2);
    expect(vigil(['hash', '--video', '--dihedral', 'x.mp4']).code).toBe(2);
    expect(vigil(['hash', '--video', '--scale', '0', 'x.mp4']).code).toBe(2);
  });
});
