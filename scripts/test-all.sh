#!/usr/bin/env bash
# Everything a fresh machine needs to run the whole test suite: system packages, npm
# dependencies, the services the tests use, then the tests. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
npm ci --no-audit --no-fund
bash scripts/test-services.sh
npm test
