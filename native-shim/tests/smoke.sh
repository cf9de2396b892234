#!/bin/sh
# Manual smoke test for minibox-shim (needs root, overlayfs and a static
# busybox).  Usage: sudo tests/smoke.sh /path/to/static/busybox
# Builds a throwaway rootfs under $T (default /tmp/minibox-shim-smoke).
set -u
BUSYBOX=${1:?usage: smoke.sh /path/to/static/busybox}
SHIM=$(cd "$(dirname "$0")/.." && pwd)/build/minibox-shim
T=${T:-/tmp/minibox-shim-smoke}
ID=$(printf '%064d' 1)
fails=0

setup() {
    rm -rf "$T" && mkdir -p "$T/lower/bin" "$T/lower/etc" "$T/upper" "$T/work" "$T/merged"
    cp "$BUSYBOX" "$T/lower/bin/busybox"
    for a in $("$BUSYBOX" --list); do
        [ "$a" = busybox ] || ln -s busybox "$T/lower/bin/$a"
    done
    echo 'root:x:0:0:root:/root:/bin/sh' >"$T/lower/etc/passwd"
    printf 'echo hi\n' >"$T/lower/bin/noexec" && chmod 644 "$T/lower/bin/noexec"
}

# cfg [extra records...] -- argv...
cfg() {
    printf 'id=%s\0rootfs=%s\0upper=%s\0work=%s\0hostname=box\0env=PATH=/bin\0' \
        "$ID" "$T/merged" "$T/upper" "$T/work"
    while [ $# -gt 0 ] && [ "$1" != -- ]; do printf '%s\0' "$1"; shift; done
    shift
    for a in "$@"; do printf 'arg=%s\0' "$a"; done
}

# check NAME EXPECTED_RC EXPECTED_REPORT_REGEX [records] -- argv
check() {
    name=$1 want_rc=$2 want_rep=$3; shift 3
    cfg "$@" >"$T/cfg"
    "$SHIM" run 3<"$T/cfg" 4>"$T/report" >"$T/out" 2>&1 </dev/null
    rc=$?
    leaks=$(grep -c "$T" /proc/self/mounts)
    if [ "$rc" = "$want_rc" ] && grep -Eq "$want_rep" "$T/report" && [ "$leaks" = 0 ]; then
        echo "ok   $name"
    else
        echo "FAIL $name: rc=$rc leaks=$leaks report=$(tr '\n' '|' <"$T/report") out=$(head -c 300 "$T/out")"
        fails=$((fails + 1))
    fi
}

setup
L="lower=$T/lower"
check "exit code" 3 '^exit 3$' "$L" -- sh -c 'exit 3'
check "pid 1" 0 '^pid [0-9]+$' "$L" -- sh -c 'test $$ = 1'
check "hostname" 0 'exit 0' "$L" -- sh -c 'test "$(hostname)" = box'
check "only lo, up" 0 'exit 0' "$L" -- sh -c 'test "$(ls /sys/class/net)" = lo && ip link show lo | grep -q UP'
check "only container pids" 0 'exit 0' "$L" -- sh -c 'for p in /proc/[0-9]*; do [ ${p#/proc/} -le 20 ] || exit 1; done'
check "cwd created" 0 'exit 0' "$L" cwd=/a/b/c -- sh -c 'test "$(pwd)" = /a/b/c'
check "env exact" 0 'exit 0' "$L" env=FOO=bar -- sh -c 'test "$FOO" = bar && test -z "${HOME:-}"'
check "not in PATH" 127 '^error 127 minibox: exec: "nope": executable file not found in \$PATH$' "$L" -- nope
check "missing path" 127 '^error 127 minibox: exec: "/nope": no such file or directory$' "$L" -- /nope
check "not executable" 126 '^error 126 minibox: exec: "/bin/noexec": permission denied$' "$L" -- /bin/noexec
check "directory" 126 '^error 126 minibox: exec: "/bin": permission denied$' "$L" -- /bin
check "bad lower" 125 '^error 125 minibox: mount overlay: No such file or directory$' "lower=$T/nope" -- sh
check "unknown key" 125 '^error 125 minibox: config: unknown key bogus$' "$L" bogus=1 -- sh
check "bad cgroup" 125 '^error 125 minibox: join cgroup /nonexistent: No such file or directory$' "$L" cgroup=/nonexistent -- sh
long=$(printf "lower=$T/lower%.0s\0" $(seq 1 300))
check "options too long" 125 '^error 125 minibox: mount overlay: option string too long$' "$long" -- sh
echo hi >"$T/upper/../writes-ok" && check "writes land in upper" 0 'exit 0' "$L" -- sh -c 'echo x >/w'
[ -f "$T/upper/w" ] && echo "ok   upper has /w" || { echo "FAIL upper has /w"; fails=$((fails + 1)); }

# Signal forwarding: a TERM to the shim reaches a trap in the container.
cfg "$L" -- sh -c 'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.1; done' >"$T/cfg"
"$SHIM" run 3<"$T/cfg" 4>"$T/report" >"$T/out" 2>&1 </dev/null &
shim=$!
i=0; while ! grep -q ready "$T/out" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
kill -TERM $shim; wait $shim; rc=$?
if [ $rc = 7 ] && grep -q got-term "$T/out" && grep -q '^exit 7$' "$T/report"; then
    echo "ok   TERM forwarded"
else
    echo "FAIL TERM forwarded: rc=$rc out=$(cat "$T/out")"; fails=$((fails + 1))
fi

# Killed from the host by pid (an init ignores SIGKILL from inside its ns).
cfg "$L" -- sleep 100 >"$T/cfg"
"$SHIM" run 3<"$T/cfg" 4>"$T/report" >"$T/out" 2>&1 </dev/null &
shim=$!
i=0; while ! grep -q '^pid' "$T/report" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.2; kill -KILL "$(sed -n 's/^pid //p' "$T/report")"; wait $shim; rc=$?
if [ $rc = 137 ] && grep -q '^exit 137$' "$T/report"; then echo "ok   killed by signal"
else echo "FAIL killed by signal: rc=$rc report=$(cat "$T/report")"; fails=$((fails + 1)); fi

# No fd 4: errors go to stderr.
cfg "$L" -- nope >"$T/cfg"
"$SHIM" run 3<"$T/cfg" 4>&- >/dev/null 2>"$T/err" </dev/null; rc=$?
if [ $rc = 127 ] && grep -q '^minibox: exec: "nope"' "$T/err"; then echo "ok   stderr without fd 4"
else echo "FAIL stderr without fd 4: rc=$rc err=$(cat "$T/err")"; fails=$((fails + 1)); fi

[ -z "$(grep "$T" /proc/self/mounts)" ] && echo "ok   no mounts left" || { echo "FAIL mounts left"; fails=$((fails + 1)); }
echo "$fails failure(s)"
[ $fails = 0 ]
