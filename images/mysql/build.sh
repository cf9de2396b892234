#!/usr/bin/env bash
# Build the offline stand-in for Docker Hub's mysql:latest: Debian bookworm (minbase) with
# mariadb-server, mariadb-client, gosu and bash from Debian's packages only, our own
# docker-entrypoint.sh honouring the official image's contract, and its image config
# (Entrypoint docker-entrypoint.sh, Cmd mysqld, 3306/tcp, VOLUME /var/lib/mysql):
#   $MINIBOX_IMAGE_CACHE/mysql-<key>/   (docker.io/library/mysql:latest)
# How (mmdebstrap, the cache outside the checkout keyed by the recipe, the lock) is shared
# with the other Debian recipes: images/lib/debian-image.sh.
# Usage: images/mysql/build.sh [--force]   — prints the layout's path on stdout.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
recipe=mysql
image=docker.io/library/mysql:latest
packages=mariadb-server,mariadb-client,gosu,bash
config="$here/config.json"
key_files=("$here/build.sh" "$here/config.json" "$here/docker-entrypoint.sh" "$here/container.cnf")
history="images/mysql/build.sh: mmdebstrap --variant=minbase --include=$packages bookworm"

# The official image's mysql user is uid/gid 999. Debian's mariadb-server preinst creates
# "mysql" only when it is missing (with the next free system id), so it is added first, right
# after the essential packages (base-passwd's /etc/passwd and /etc/group exist then).
add_user='printf "mysql:x:999:999:MySQL Server:/nonexistent:/bin/false\n" >> "$1/etc/passwd"
printf "mysql:x:999:\n" >> "$1/etc/group"
if [ -e "$1/etc/shadow" ]; then printf "mysql:!:19723::::::\n" >> "$1/etc/shadow"; fi
if [ -e "$1/etc/gshadow" ]; then printf "mysql:!::\n" >> "$1/etc/gshadow"; fi'

# After the install: the package's postinst initialised /var/lib/mysql; the image ships it
# empty (the entrypoint initialises it on first start, into the container's volume).
# /var/run/mysqld (→ /run/mysqld) holds the socket; both belong to 999 and are 1777 like the
# official image's, so `--user` with another uid works too. The entrypoint goes on the PATH
# (Entrypoint ["docker-entrypoint.sh"]), with the old /entrypoint.sh name beside it.
finish='set -e
test "$(chroot "$1" id -u mysql):$(chroot "$1" id -g mysql)" = 999:999
rm -rf "$1/var/lib/mysql" && mkdir -p "$1/var/lib/mysql" "$1/run/mysqld" "$1/docker-entrypoint-initdb.d"
chown 999:999 "$1/var/lib/mysql" "$1/run/mysqld" && chmod 1777 "$1/var/lib/mysql" "$1/run/mysqld"
install -m 0755 "$MINIBOX_RECIPE_DIR/docker-entrypoint.sh" "$1/usr/local/bin/docker-entrypoint.sh"
ln -s usr/local/bin/docker-entrypoint.sh "$1/entrypoint.sh"
install -m 0644 "$MINIBOX_RECIPE_DIR/container.cnf" "$1/etc/mysql/mariadb.conf.d/90-container.cnf"
rm -f "$1/etc/mysql/debian.cnf"'
# cleanup/run would empty /run at the end, /run/mysqld with it
hooks=(--essential-hook="$add_user" --customize-hook="$finish" --skip=cleanup/run)

# shellcheck source=../lib/debian-image.sh
source "$here/../lib/debian-image.sh"
debian_image_build "$@"
