#!/usr/bin/env bash
# Quick start: set everything up, then serve Vigil on the embedded default (SQLite + local files)
# at http://127.0.0.1:8080. The first start creates an admin and prints how to log in.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec bin/vigil serve
