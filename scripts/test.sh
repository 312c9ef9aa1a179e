#!/usr/bin/env bash
# npm test: type check, lint, unit + integration tests on PGlite (and on PostgreSQL when
# TEST_DATABASE_URL is set), then the Playwright end-to-end suite in Debian's Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "type check"
npx tsc --noEmit

step "lint"
npx eslint . --max-warnings=0

step "unit + integration tests (PGlite)"
npx vitest run

if [ -n "${TEST_DATABASE_URL:-}" ]; then
  step "unit + integration tests (PostgreSQL: ${TEST_DATABASE_URL%%\?*})"
  TEST_DB=postgres npx vitest run
else
  echo "(TEST_DATABASE_URL not set: skipping the PostgreSQL run)"
fi

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  echo "Chromium is missing at $CHROMIUM. Install Debian's build with:"
  echo "  sudo apt-get update && sudo apt-get install -y chromium"
  echo "(Playwright's own browser download does not work here; .ci/run installs it for CI.)"
  exit 1
fi

step "end-to-end tests (Playwright, Chromium)"
rm -rf .data/e2e
node_modules/.bin/next build > /tmp/hiu-next-build.log 2>&1 || { cat /tmp/hiu-next-build.log; exit 1; }
npx playwright test
