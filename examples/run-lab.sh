#!/usr/bin/env bash
# The labs' runner is `minibox lab` (src/cli/lab/); this wrapper keeps the command the labs'
# READMEs and the lecture notes name working: examples/run-lab.sh 03 --compare podman.
# It runs this checkout's minibox, whatever the directory it is called from. Options, exit
# status and the steps format: examples/README.md (or examples/run-lab.sh --help).
exec "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/bin/minibox" lab "$@"
