#!/bin/sh
# `compose ARGS` for the engine the lab runs ($ME, $ENGINE and $RUN_FLAGS come from
# run-lab.sh): `minibox compose` or `docker compose`; podman 4.3 (Debian 12) has no compose
# command, so Debian's podman-compose stands in, passing podman this host's flags.
case ${ME:-minibox} in
  podman)
    command -v podman-compose >/dev/null || { echo "podman-compose is not installed (apt-get install podman-compose)" >&2; exit 2; }
    # ${ENGINE#podman } is "--runtime runc"; the ulimits go to run and build
    exec podman-compose --podman-args "${ENGINE#podman }" --podman-run-args "$RUN_FLAGS" --podman-build-args "$RUN_FLAGS" "$@" ;;
  *) exec ${ENGINE:-minibox} compose "$@" ;;
esac
