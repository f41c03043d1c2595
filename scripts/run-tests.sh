#!/usr/bin/env bash
# Lint, type-check, then every test file (Node 20's test runner takes no globs: list them here).
set -euo pipefail
cd "$(dirname "$0")/.."
npx biome ci --colors=off .
npx tsc --noEmit
mapfile -t files < <(find src test -name '*.test.ts' -not -path '*/node_modules/*' | sort)
exec node --import tsx --test --test-concurrency=2 --test-timeout=180000 "${files[@]}"
