#!/usr/bin/env bash
# Sets minibox up on a fresh Debian 12 / Ubuntu 22.04+ machine, idempotently:
#   1. system packages through apt, only those missing
#   2. Node.js >= 20 (checked; installed from the distribution when it is new enough)
#   3. npm dependencies, the TypeScript build and the C shim (-Wall -Wextra -Werror)
#   4. the offline busybox image, built from Debian's busybox-static and loaded
#   5. `minibox` on the PATH (/usr/local/bin/minibox → this checkout)
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

if [ "$(id -u)" -ne 0 ]; then
  echo "setup must run as root (it installs packages and minibox needs root): sudo $0" >&2
  exit 1
fi

# Tools the build, the image recipe and the test suite use. iproute2/iptables: network tests
# and leak checks; docker-registry: the local registry the pull tests run against;
# qemu/kernel pieces: the cgroup v2 test lane; libseccomp-dev: the shim links libseccomp.a;
# mmdebstrap: the Debian image recipes (images/debian-apache, images/mysql) the tests use;
# mariadb-client: the host's `mysql` client of the lecture's demo (test/integration/mysql.test.ts).
# curl: the labs' host-side requests to published ports (examples/05-networking).
# libisal-dev/libisal2 + libssl-dev: native-shim's minibox-inflate (ISA-L gunzip + sha256 of layers).
PACKAGES=(build-essential make gcc libc6-dev libseccomp-dev ca-certificates iproute2 iptables procps util-linux xz-utils bzip2
  openssl docker-registry qemu-system-x86 cpio kmod time python3 zstd mmdebstrap mariadb-client curl
  libisal-dev libisal2 libssl-dev golang-go golang-github-opencontainers-runtime-tools-dev) # the OCI config validator (test/fixtures/oci-validate)
# Reference tools for `npm run bench` only (not needed by minibox or its tests). runc: podman's
# runtime here (crun 1.8 refuses this hybrid host; --no-install-recommends leaves both out).
BENCH_PACKAGES=(skopeo umoci podman runc crun containerd podman-compose)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "${MINIBOX_SETUP_BENCH:-}" != "" ]; then
  say "installing the benchmarks' reference tools: ${BENCH_PACKAGES[*]}"
  apt-get install -y -qq --no-install-recommends "${BENCH_PACKAGES[@]}" >/dev/null
  # The portability checks (test/integration/cross-build.test.ts, test/unit/vagrantfile.test.ts):
  # Debian's aarch64 cross compiler plus libseccomp for arm64 (the shim links it statically),
  # ruby for `ruby -c Vagrantfile`. On an arm64 host the native gcc already builds for aarch64.
  PORTABILITY_PACKAGES=(ruby)
  if [ "$(dpkg --print-architecture)" = amd64 ]; then
    PORTABILITY_PACKAGES+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross libseccomp-dev:arm64)
    if ! dpkg --print-foreign-architectures | grep -qx arm64; then
      dpkg --add-architecture arm64 && apt-get update -qq
    fi
  fi
  say "installing the portability checks' tools: ${PORTABILITY_PACKAGES[*]}"
  apt-get install -y -qq --no-install-recommends "${PORTABILITY_PACKAGES[@]}" >/dev/null
fi

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(node_major)" -lt 20 ]; then
  say "installing Node.js (>= 20 needed)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null || true
  if [ "$(node_major)" -lt 20 ]; then
    echo "minibox needs Node.js >= 20 and this distribution ships $(node --version 2>/dev/null || echo none)." >&2
    echo "Install Node.js 20 or newer (https://nodejs.org/en/download/package-manager) and run this again." >&2
    exit 1
  fi
fi

say "installing npm dependencies and building (TypeScript + C shim)"
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi
npm run --silent build

say "building the offline busybox image from Debian's busybox-static"
bash images/busybox/build.sh

if [ "${MINIBOX_SETUP_NO_LOAD:-}" = "" ]; then
  say "loading busybox into the image store"
  ./bin/minibox load -q -i images/busybox/out/busybox-oci
fi

# a symlink (ours, from this or an earlier checkout) is repointed; anything else is left alone
if [ ! -e /usr/local/bin/minibox ] || [ -L /usr/local/bin/minibox ]; then
  ln -sfn "$(pwd)/bin/minibox" /usr/local/bin/minibox
else
  echo "note: /usr/local/bin/minibox exists and is not a symlink; run $(pwd)/bin/minibox directly" >&2
fi
say "minibox is ready: try 'minibox run --rm busybox echo hello'"
