#!/bin/sh
# The lecture's `docker run --detach --publish 4407:3306` and `--link db:db`, offline with
# busybox: a web server published on the host, and a client container reaching it by link.
set -e
minibox rm -f web client >/dev/null 2>&1 || true
minibox run --detach --name web --publish 8080:80 busybox \
  sh -c 'mkdir -p /www && echo "hello from the web container" > /www/index.html && exec httpd -f -p 80 -h /www'
# on the host, the host's own curl or wget (only busybox's wget is the flaky one)
get() { curl -sf "$1" 2>/dev/null || wget -q -O - "$1"; }
# wait until the server answers (a fresh container takes a moment to start httpd)
for i in $(seq 50); do get http://127.0.0.1:8080/ >/dev/null 2>&1 && break; sleep 0.1; done
echo "from the host:";      get http://127.0.0.1:8080/
echo "from a linked container:"
# busybox nc, not wget: Debian's busybox-static wget segfaults on some kernels (see README.md)
minibox run --rm --name client --link web:site busybox sh -c \
  'echo "site is $SITE_PORT_80_TCP_ADDR"; printf "GET / HTTP/1.0\r\n\r\n" | nc site 80 | sed "1,/^\r*$/d"'
minibox ps
minibox logs web
minibox stop web && minibox rm web
