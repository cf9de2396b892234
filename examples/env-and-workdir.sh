#!/bin/sh
# Docker's run flags: environment, working directory, hostname, entrypoint.
set -e
minibox run --rm -e GREETING=hi -w /tmp -h demo busybox sh -c 'echo "$GREETING from $(hostname) in $(pwd)"'
minibox run --rm --entrypoint /bin/echo busybox "the entrypoint was replaced"
