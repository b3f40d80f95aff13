/** The purity rule of STYLE.md is a lint rule; this proves the rule bites. */
import { describe, it, expect } from 'vitest';
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: process.cwd() });

async function messages(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('import boundaries', () => {
  it.each([
    ['src/domains/intake/example.model.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n"],
    ['src/domains/intake/example.model.ts', "import { sql } from 'kysely';\nexport const x = sql;\n"],
    ['src/algorithms/example/example.ts', "import { openDatabase } from '../../adapters/db/database.ts';\nexport const x = openDatabase;\n"],
    ['src/algorithms/example/example.ts', "import sharp from 'sharp';\nexport const x = sharp;\n"],
  ])('refuses I/O imports in %s', async (filePath, code) => {
    expect((await messages(filePath, code)).join('\n')).toMatch(/no-restricted-imports/);
  });

  it('allows the same import in an adapter, and pure imports in a model', async () => {
    expect(await messages('src/adapters/example/example.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n")).toEqual([]);
    expect(await messages('src/domains/intake/example.model.ts', "import { ROLES } from '../auth/auth.model.ts';\nexport const x = ROLES;\n")).toEqual([]);
  });
});
