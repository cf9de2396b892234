#!/bin/sh
# The smallest container: a process in its own namespaces on an overlay of busybox.
set -e
minibox run --rm busybox echo "hello from a container"
