// Lint: typescript-eslint's recommended rules, plus the purity boundary of STYLE.md:
// `*.model.ts` and `src/algorithms/` import only other pure modules.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const impure = [
  { group: ['node:*', 'fs', 'net', 'http', 'https', 'child_process', 'crypto', 'os', 'path', 'stream'], message: 'Models and algorithms are pure: no Node I/O modules.' },
  { group: ['kysely', 'fastify', '@fastify/*', 'sharp', 'undici', 'pg', 'better-sqlite3', 'pino', 'playwright-core'], message: 'Models and algorithms are pure: no I/O libraries.' },
  { group: ['**/adapters/**', '**/app/**', '*.repository.ts', '**/*.repository.ts', '**/*.service.ts', '**/*.routes.ts', '**/*.jobs.ts'], message: 'Models and algorithms may import only other models and algorithms.' },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'web/dist/', 'data/', 'coverage/', 'web/src/api/schema.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
    },
  },
  {
    files: ['src/**/*.model.ts', 'src/algorithms/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: impure }] },
  },
  {
    files: ['src/adapters/db/migrations/*.ts', 'src/adapters/db/migrator.ts', 'test/**/*.ts', 'src/adapters/db/schema.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['web/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['bench/**/*.ts', 'scripts/**/*.ts', 'e2e/**/*.ts', 'test/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
