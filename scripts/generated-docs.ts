/**
 * The two generated documents that are checked in: the OpenAPI description of every route and the
 * error-code catalogue. `npm run docs` writes them; test/docs.test.ts fails when they are stale.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ERROR_CATALOG, OUTCOME_CODES } from '../src/errors/error-catalog.ts';
import { loadConfig } from '../src/app/config.ts';
import { openRuntime } from '../src/app/runtime.ts';
import { buildServer } from '../src/app/server.ts';

export const OPENAPI_PATH = 'docs/openapi.json';
export const ERRORS_PATH = 'docs/errors.md';

export async function renderOpenApi(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-openapi-'));
  const rt = await openRuntime(loadConfig({ VIGIL_DATA_DIR: dir, VIGIL_LOG_LEVEL: 'silent' }));
  try {
    const app = await buildServer(rt.platform, { logLevel: 'silent' });
    await app.ready();
    const doc = app.swagger();
    await app.close();
    return `${JSON.stringify(doc, null, 2)}\n`;
  } finally {
    await rt.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function renderErrors(): string {
  const rows = Object.entries(ERROR_CATALOG).map(([code, spec]) => `| \`${code}\` | ${spec.status} | ${spec.message} |`);
  return [
    '# Error codes',
    '',
    'Generated from `src/errors/error-catalog.ts` by `npm run docs`; do not edit by hand.',
    'Every error response has the body `{ "error": { "code", "message", "details"? }, "requestId" }`. Branch on the code; the message is for people and may be more precise than the default below.',
    '',
    '| Code | HTTP status | Default message |',
    '|---|---|---|',
    ...rows,
    '',
    '## Outcome codes',
    '',
    'Not HTTP answers: recorded on data, as a failed capture’s `errorCode` or a bulk list line’s `code`.',
    '',
    '| Code | Meaning |',
    '|---|---|',
    ...Object.entries(OUTCOME_CODES).map(([code, meaning]) => `| \`${code}\` | ${meaning} |`),
    '',
  ].join('\n');
}
