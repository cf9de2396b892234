#!/bin/sh
# The lecture's `docker run --detach --publish 4407:3306` and `--link db:db`, offline with
# busybox: a web server published on the host, and a client container reaching it by link.
set -e
minibox rm -f web client >/dev/null 2>&1 || true
minibox run --detach --name web --publish 8080:80 busybox \
  sh -c 'mkdir -p /www && echo "hello from the web container" > /www/index.html && exec httpd -f -p 80 -h /www'
sleep 1
echo "from the host:";      wget -q -O - http://127.0.0.1:8080/ || curl -s http://127.0.0.1:8080/
echo "from a linked container:"
minibox run --rm --name client --link web:site busybox sh -c 'echo "site is $SITE_PORT_80_TCP_ADDR"; wget -q -O - http://site/'
minibox ps
minibox logs web
minibox stop web && minibox rm web
