#!/usr/bin/env bash
# Run vitest inside the cgroup v2 guest (one boot) on the given test files / filters:
#
#   bash test/vm/vitest-in-vm.sh test/integration/run.test.ts [more files] [vitest options]
#
# Uses the repo's vitest.config.ts, so the same leak-check globalSetup runs (inside the
# guest). The guest's root is read-only, hence:
#   --configLoader runner  vite's default "bundle" loader writes the bundled config to
#                          node_modules/.vite-temp/ (EROFS); the runner needs no file
#   --no-cache             skip the results cache (node_modules/.vite/vitest/*/results.json)
# Output streams as it runs; the exit code is vitest's (125: the guest failed to report).
# Env: MINIBOX_VM_TIMEOUT_MS (default 600000), MINIBOX_VM_MEMORY_MB (1024), MINIBOX_VM_CPUS (2).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE/../.."
[ "$#" -gt 0 ] || { echo "usage: $0 <test files...> [vitest options]" >&2; exit 2; }
shq() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
cmd="node_modules/.bin/vitest run --configLoader runner --no-cache"
for a in "$@"; do cmd+=" $(shq "$a")"; done
exec node "$HERE/run-in-vm.mjs" "$cmd"
