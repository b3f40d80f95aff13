import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { ERRORS_PATH, OPENAPI_PATH, renderErrors, renderOpenApi } from '../scripts/generated-docs.ts';
import { CONFIG_VARIABLES } from '../src/app/config.ts';

describe('checked-in generated documents', () => {
  it('docs/openapi.json matches the routes (run npm run docs after changing a route)', async () => {
    expect(readFileSync(OPENAPI_PATH, 'utf8')).toBe(await renderOpenApi());
  });

  it('docs/errors.md matches the error catalogue', () => {
    expect(readFileSync(ERRORS_PATH, 'utf8')).toBe(renderErrors());
  });

  it('the README documents every configuration variable with its default', () => {
    const readme = readFileSync('README.md', 'utf8');
    for (const v of CONFIG_VARIABLES) expect(readme).toContain(`| \`${v.name}\` | ${v.default} |`);
  });
});
