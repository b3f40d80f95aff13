/**
 * Locates the shared golden-vector folder (PDQ, vPDQ). Tests that need it
 * fail loudly when it is missing: a skipped golden test looks like a pass.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The vectors folder: `$VIGIL_VECTORS_DIR`, else `<repo>/../shared/vectors`,
 * else `/work/shared/vectors`. Throws if the chosen or every candidate is missing.
 */
export function vectorsDir(): string {
  const fromEnv = process.env['VIGIL_VECTORS_DIR'];
  if (fromEnv) {
    if (!isDir(fromEnv)) throw new Error(`VIGIL_VECTORS_DIR=${fromEnv} is not a directory`);
    return fromEnv;
  }
  const candidates = [join(repoRoot, '..', 'shared', 'vectors'), '/work/shared/vectors'];
  const found = candidates.find(isDir);
  if (!found) {
    throw new Error(
      `test vectors not found (looked in ${candidates.join(', ')}); set VIGIL_VECTORS_DIR to the shared vectors folder`,
    );
  }
  return found;
}

function isDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}
