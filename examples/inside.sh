#!/bin/sh
# What a container is, seen from inside: PID 1, its own hostname, only lo, its own root.
set -e
minibox run --rm -h lab busybox sh -c '
  echo "my pid: $$"; echo "hostname: $(hostname)"
  echo "processes:"; ps
  echo "network interfaces:"; cat /proc/net/dev
  echo "root filesystem:"; grep " / " /proc/mounts'
