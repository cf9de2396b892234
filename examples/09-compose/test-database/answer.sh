#!/bin/sh
echo "alice,bob,carol (from the db)"
