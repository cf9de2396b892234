#!/bin/sh
# users-service: HTTP on 8123; /cgi-bin/users answers with what $DATABASE_HOST:3306 sends
mkdir -p /www/cgi-bin
cat > /www/cgi-bin/users <<'SCRIPT'
#!/bin/sh
printf 'Content-Type: text/plain\r\n\r\n'
echo "users-service asked $DATABASE_HOST:"
nc -w 2 "$DATABASE_HOST" 3306 </dev/null || echo "no answer from $DATABASE_HOST"
SCRIPT
chmod +x /www/cgi-bin/users
echo "users-service ready on 8123"
# httpd in the background and `wait`: PID 1 then stops at once on the TERM of stop/down
trap 'exit 0' TERM
httpd -f -p 8123 -h /www & wait
