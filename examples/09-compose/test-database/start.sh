#!/bin/sh
# test-database: answers every connection on 3306 with one line, as a stand-in for MySQL
echo "db ready on 3306"
trap 'exit 0' TERM
nc -ll -p 3306 -e /answer.sh & wait
