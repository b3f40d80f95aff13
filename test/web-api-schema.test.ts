/**
 * The web client's types come from `web/src/api/schema.d.ts`, generated from the checked-in
 * `docs/openapi.json`. This fails when someone changes the API description without regenerating:
 *
 *     npx openapi-typescript docs/openapi.json -o web/src/api/schema.d.ts
 *
 * `npm run docs` regenerates it with the other generated documents.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../src/app/server.ts';

describe('web API schema', () => {
  it('web/src/api/schema.d.ts is generated from docs/openapi.json', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-schema-'));
    try {
      const out = join(dir, 'schema.d.ts');
      const cli = join(REPO_ROOT, 'node_modules', 'openapi-typescript', 'bin', 'cli.js');
      const run = spawnSync(process.execPath, [cli, join(REPO_ROOT, 'docs', 'openapi.json'), '-o', out], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
      });
      expect(run.status, run.stderr).toBe(0);
      const fresh = readFileSync(out, 'utf8');
      const checkedIn = readFileSync(join(REPO_ROOT, 'web', 'src', 'api', 'schema.d.ts'), 'utf8');
      expect(checkedIn === fresh, 'schema.d.ts is stale: run npx openapi-typescript docs/openapi.json -o web/src/api/schema.d.ts').toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
