#!/bin/sh
# A detached container's life, as in the lecture: run -d, ps, logs, exec, stop, rm.
set -e
minibox rm -f ticker >/dev/null 2>&1 || true
id=$(minibox run -d --name ticker busybox sh -c 'trap "echo bye; exit 0" TERM; i=0; while true; do echo tick $i; i=$((i+1)); sleep 1; done')
echo "started $id"
sleep 2
minibox ps
minibox logs --tail 2 ticker
minibox exec ticker sh -c 'echo "inside: $(hostname), pid 1 is $(cat /proc/1/comm)"'
minibox stats --no-stream ticker
minibox stop ticker
minibox ps -a --filter name=ticker
minibox rm ticker
