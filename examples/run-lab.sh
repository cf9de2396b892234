#!/usr/bin/env bash
# Runs one lab of examples/ step by step: with minibox, and, when asked, each step again with
# podman or docker, the two results side by side (or one after the other when their lines are
# too wide for 80 columns), each checked against what the step expects. The lab's `steps` file
# is its only description (format: examples/README.md); `--readme` renders it as the lab's
# README.md. Whatever the lab creates is removed at the end, also when a step fails or the run
# is interrupted (the steps file's `cleanup:` lines, run for every engine used).
#
# Exit status: 0 every step met its expectations (a step marked `bug[...]` may fail), 1 some
# step did not, 2 the lab could not run (usage, an engine missing, a `needs:` not met).
set -uo pipefail

EXAMPLES=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$EXAMPLES")
BUSYBOX_LAYOUT=$REPO/images/busybox/out/busybox-oci
ENGINES=(minibox podman docker)
COL=38        # a column of the side-by-side view: two of them and a 3-character gutter fit 80
MAX_LINES=${LAB_MAX_LINES:-30} # lines of one engine's output shown (all of it is checked)

usage() {
  cat <<'EOF'
usage: run-lab.sh LAB [--engine minibox|podman|docker] [--compare podman|docker|minibox]
                      [--interactive | --non-interactive]
       run-lab.sh LAB --readme      print the lab's README.md (rendered from its steps file)
       run-lab.sh --list            the labs, one a line

LAB is a lab's folder (03-cgroups), its number (3), its topic (cgroups), or the path of a
folder with a steps file (./my-lab). Run as root.
  --engine E       the engine that runs the steps (default minibox)
  --compare E      run each step with E too and show both results
  --interactive    wait for Enter before each step (default when on a terminal)
Environment: MINIBOX (the minibox command; default this checkout's bin/minibox),
  MINIBOX_ROOT (minibox's state), LAB_PORT (first host port; default the lab's port: or 8080),
  LAB_RESULTS (a directory: results.tsv and each step's output are written there),
  whatever a lab `needs:` (for example LAB_REGISTRY).
EOF
}

die() { printf 'run-lab: %s\n' "$*" >&2; exit 2; }

# ---------------------------------------------------------------- the steps file

declare -A F       # F[<step>/<key>/<engine>]: a step's fields; engine "" is every engine's
NSTEPS=0
LAB_TITLE=''
LAB_PORT_BASE=8080 # $PORT of the engine running the lab (port: in the steps file, LAB_PORT)
ABOUT=()           # paragraphs (an empty `about:` starts a new one)
NEEDS=()           # "VAR what it is" or "command-name what for"
CLEANUP=()         # shell lines run for each engine at the end, errors ignored

add_field() { # step key engine value
  local k="$1/$2/$3"
  if [[ -v F[$k] ]]; then
    case $2 in
      run | expect) F[$k]+=$'\n'"$4" ;;
      *) F[$k]+=" $4" ;;
    esac
  else
    F[$k]=$4
  fi
}

parse_steps() { # file
  local file=$1 line key eng val lineno=0
  while IFS= read -r line || [ -n "$line" ]; do
    lineno=$((lineno + 1))
    [[ $line =~ ^[[:space:]]*(#.*)?$ ]] && continue
    [[ $line =~ ^([a-z]+)(\[([a-z]+)\])?:[[:space:]]?(.*)$ ]] || die "$file:$lineno: not a 'key: value' line: $line"
    key=${BASH_REMATCH[1]} eng=${BASH_REMATCH[3]} val=${BASH_REMATCH[4]}
    if [ -n "$eng" ] && [[ ! " ${ENGINES[*]} " == *" $eng "* ]]; then
      die "$file:$lineno: unknown engine '$eng' (one of: ${ENGINES[*]})"
    fi
    case $key in
      lab) LAB_TITLE=$val ;;
      port) [[ $val =~ ^[0-9]+$ ]] || die "$file:$lineno: port: takes a number"; LAB_PORT_BASE=$val ;;
      about)
        if [ -z "$val" ] || [ ${#ABOUT[@]} -eq 0 ]; then ABOUT+=("$val"); else ABOUT[-1]+="${ABOUT[-1]:+ }$val"; fi ;;
      needs) NEEDS+=("$val") ;;
      cleanup) CLEANUP+=("$val") ;;
      step) NSTEPS=$((NSTEPS + 1)); F[$NSTEPS/title/]=$val ;;
      why | run | look | expect | status | note | skip | bug | timeout)
        [ "$NSTEPS" -gt 0 ] || die "$file:$lineno: '$key:' comes before the first 'step:'"
        add_field "$NSTEPS" "$key" "$eng" "$val" ;;
      *) die "$file:$lineno: unknown key '$key:'" ;;
    esac
  done <"$file"
  [ -n "$LAB_TITLE" ] || die "$file: no 'lab:' line"
  local n
  for ((n = 1; n <= NSTEPS; n++)); do
    [ -n "${F[$n/run/]:-}" ] || die "$file: step $n (${F[$n/title/]}) has no 'run:' line"
  done
}

# A field for one engine: its own value if the file gives one, else everyone's.
field() { # step key engine
  if [[ -v F[$1/$2/$3] ]]; then printf '%s' "${F[$1/$2/$3]}"; else printf '%s' "${F[$1/$2/]:-}"; fi
}

# Does the step use an engine, or what an engine's earlier steps left in $WORK? One that
# does not runs once, on the host.
uses_engine() { [[ ${F[$1/run/]} =~ \$(ENGINE|WORK|ME|PORT2?)([^A-Za-z0-9_]|$) ]]; }

# ---------------------------------------------------------------- finding a lab

lab_dirs() { local d; for d in "$EXAMPLES"/[0-9][0-9]-*/; do [ -f "$d/steps" ] && basename "$d"; done; }

find_lab() { # name|number|topic|path -> sets LAB (its folder's name) and LABDIR (its path)
  local want=$1 d
  if [[ $want == */* ]] && [ -f "$want/steps" ]; then
    LABDIR=$(cd "$want" && pwd) LAB=$(basename "$LABDIR")
    return 0
  fi
  [[ $want =~ ^[0-9]+$ ]] && want=$(printf '%02d' "$((10#$want))")
  for d in $(lab_dirs); do
    if [ "$d" = "$want" ] || [ "${d%%-*}" = "$want" ] || [ "${d#*-}" = "$want" ]; then LAB=$d LABDIR=$EXAMPLES/$d; return 0; fi
  done
  return 1
}

# ---------------------------------------------------------------- rendering

# A command as the student types it with engine E: $ENGINE becomes E's name, $RUN_FLAGS
# (what this host needs on every run, shown once at the top) goes, $PORT and $PORT2 become E's
# ports.
render() { # text engine-name port
  local s=$1
  s=${s//' $RUN_FLAGS'/}
  s=${s//'$RUN_FLAGS'/}
  s=${s//'$ENGINE'/$2}
  s=${s//'$PORT2'/$(($3 + 1))}
  s=${s//'$PORT'/$3}
  printf '%s' "$s"
}

print_readme() {
  local n e v why look note skip bug vars=()
  printf '# %s\n\n' "$LAB_TITLE"
  for v in "${ABOUT[@]}"; do [ -n "$v" ] && printf '%s\n\n' "$v"; done
  printf 'Run it as root from the checkout: `examples/run-lab.sh %s` (add `--compare podman` or\n' "$LAB"
  printf '`--compare docker` to run every step with that engine too, side by side).\n\n'
  for v in "${NEEDS[@]}"; do printf 'Needs `%s`: %s\n\n' "${v%% *}" "${v#* }"; done
  local all
  all=$(for ((n = 1; n <= NSTEPS; n++)); do printf '%s\n' "${F[$n/run/]}"; done)
  [[ $all == *'$WORK'* ]] && vars+=('`$WORK` is a scratch directory of your own (`WORK=$(mktemp -d)`).')
  [[ $all == *'$ME'* ]] && vars+=('`$ME` is your name on the registry (the lab uses the engine'"'"'s name: `minibox`).')
  [[ $all == *'$LAB_REGISTRY'* ]] && vars+=('`$LAB_REGISTRY` is the registry to push to, as `host:port`.')
  if [ ${#vars[@]} -gt 0 ]; then printf 'In the commands, %s\n\n' "${vars[*]}"; fi
  for ((n = 1; n <= NSTEPS; n++)); do
    printf '## %d. %s\n\n' "$n" "${F[$n/title/]}"
    why=$(field "$n" why minibox)
    [ -n "$why" ] && printf '%s\n\n' "$(render "$why" minibox "$LAB_PORT_BASE")"
    printf '```sh\n%s\n```\n\n' "$(render "${F[$n/run/]}" minibox "$LAB_PORT_BASE")"
    look=$(field "$n" look minibox)
    [ -n "$look" ] && printf 'Look at: %s\n\n' "$(render "$look" minibox "$LAB_PORT_BASE")"
    [ -n "${F[$n/note/]:-}" ] && printf 'Other engines: %s\n\n' "${F[$n/note/]}"
    for e in "${ENGINES[@]}"; do
      note=${F[$n/note/$e]:-} skip=${F[$n/skip/$e]:-} bug=${F[$n/bug/$e]:-}
      [ -n "$note" ] && printf 'With %s: %s\n\n' "$e" "$note"
      [ -n "$skip" ] && printf 'Not run with %s: %s\n\n' "$e" "$skip"
      [ -n "$bug" ] && printf '**Known %s bug**: %s\n\n' "$e" "$bug"
    done
  done
  printf -- '---\nRendered from `steps` by `examples/run-lab.sh %s --readme`; edit `steps`, not this file.\n' "$LAB"
}

rule() { # title
  local t="-- $1 " line
  line=$(printf '%*s' 80 '' | tr ' ' '-')
  printf '%s\n' "${t}${line:${#t}}"
}

# At most MAX_LINES lines of an output, tabs expanded; the rest counted.
shown() { # text
  local all n
  all=$(printf '%s\n' "$1" | expand)
  n=$(printf '%s\n' "$all" | wc -l)
  if [ -z "$1" ]; then
    printf '(no output)\n'
  elif [ "$n" -gt "$MAX_LINES" ]; then
    printf '%s\n' "$all" | head -n "$MAX_LINES"
    printf '... %d more lines\n' "$((n - MAX_LINES))"
  else
    printf '%s\n' "$all"
  fi
}

# Two results side by side when every line fits a column (" | " marks lines that differ),
# else one after the other under headers.
print_both() { # name1 out1 rc1 name2 out2 rc2
  local -a L R
  local l r i n
  mapfile -t L < <(shown "$2")
  mapfile -t R < <(shown "$5")
  for l in "${L[@]}" "${R[@]}"; do
    if [ ${#l} -gt $COL ]; then
      rule "$1 (exit $3)"; printf '%s\n' "${L[@]}"
      rule "$4 (exit $6)"; printf '%s\n' "${R[@]}"
      return
    fi
  done
  printf "%-${COL}s   %s\n" "== $1 (exit $3)" "== $4 (exit $6)"
  n=${#L[@]}; [ ${#R[@]} -gt "$n" ] && n=${#R[@]}
  for ((i = 0; i < n; i++)); do
    l=${L[i]-} r=${R[i]-}
    if [ "$l" = "$r" ]; then printf "%-${COL}s   %s\n" "$l" "$r"; else printf "%-${COL}s | %s\n" "$l" "$r"; fi
  done
}

# ---------------------------------------------------------------- engines

declare -A CMD NAME RUNFLAGS PORTS LOADED
WORKROOT=''

minibox_cmd() {
  if [ -n "${MINIBOX:-}" ]; then printf '%s' "$MINIBOX"
  elif [ -x "$REPO/bin/minibox" ]; then printf '%s' "$REPO/bin/minibox"
  elif command -v minibox >/dev/null; then printf 'minibox'
  else return 1; fi
}

engine_init() { # engine port
  local e=$1
  PORTS[$e]=$2
  case $e in
    minibox)
      CMD[$e]=$(minibox_cmd) || die "minibox not found: run ./scripts/setup.sh, or set MINIBOX"
      NAME[$e]=minibox RUNFLAGS[$e]='' ;;
    podman)
      command -v podman >/dev/null || die "podman is not installed (apt-get install podman runc)"
      # runc: crun refuses hybrid cgroup hosts like this one; the limits: podman's default
      # ulimits are above what this host grants, so runc could not set them
      CMD[$e]=${PODMAN:-podman$(command -v runc >/dev/null && printf ' --runtime runc')}
      NAME[$e]=podman RUNFLAGS[$e]=${PODMAN_RUN_FLAGS:---ulimit nofile=1024:1024 --ulimit nproc=1000:1000} ;;
    docker)
      command -v docker >/dev/null || die "docker is not installed"
      docker info >/dev/null 2>&1 || die "docker is installed but its daemon does not answer ('docker info' failed)"
      CMD[$e]=${DOCKER:-docker} NAME[$e]=docker RUNFLAGS[$e]='' ;;
    *) die "unknown engine '$e' (one of: ${ENGINES[*]})" ;;
  esac
  mkdir -p "$WORKROOT/$e" || die "cannot make $WORKROOT/$e"
  [ "$e" = podman ] && podman_registry_conf
  ensure_busybox "$e"
}

# podman reads which registries may be plain HTTP from registries.conf; the lab's registry is
# one (Docker and minibox allow HTTP to 127.0.0.0/8 on their own).
podman_registry_conf() {
  [ -n "${LAB_REGISTRY:-}" ] || return 0
  local conf=$WORKROOT/podman/registries.conf
  printf 'unqualified-search-registries = ["docker.io"]\n\n[[registry]]\nlocation = "%s"\ninsecure = true\n' "$LAB_REGISTRY" >"$conf"
  export CONTAINERS_REGISTRIES_CONF=$conf
}

# Every lab runs busybox: the offline image of images/busybox, loaded when the engine lacks it
# (and then removed at the end again).
ensure_busybox() { # engine
  local e=$1 c=${CMD[$1]} id
  case $e in
    minibox)
      $c image inspect busybox >/dev/null 2>&1 && return 0
      [ -f "$BUSYBOX_LAYOUT/index.json" ] || die "no busybox image: run ./scripts/setup.sh (it builds $BUSYBOX_LAYOUT)"
      $c load -q -i "$BUSYBOX_LAYOUT" >/dev/null || die "minibox could not load $BUSYBOX_LAYOUT"
      LOADED[$e]=busybox ;;
    podman)
      $c image exists busybox && return 0
      [ -f "$BUSYBOX_LAYOUT/index.json" ] || die "no busybox image: run ./scripts/setup.sh (it builds $BUSYBOX_LAYOUT)"
      # podman's oci: transport names the image after the path, which must be lowercase
      # (a checkout under /tmp/ci-AbC123/ is not): pull through a lowercase symlink
      local alias=/tmp/mbx-podman-$$
      rm -f "$alias" && ln -s "$BUSYBOX_LAYOUT" "$alias"
      id=$($c pull -q "oci:$alias" | tail -n 1) || { rm -f "$alias"; die "podman could not pull oci:$BUSYBOX_LAYOUT"; }
      rm -f "$alias"
      $c untag "$id" && $c tag "$id" localhost/busybox:latest || die "podman could not tag $id as busybox"
      LOADED[$e]=localhost/busybox:latest ;;
    docker)
      $c image inspect busybox >/dev/null 2>&1 && return 0
      [ -f "$BUSYBOX_LAYOUT/index.json" ] || die "no busybox image: run ./scripts/setup.sh (it builds $BUSYBOX_LAYOUT)"
      tar -C "$BUSYBOX_LAYOUT" -cf - . | $c load -q >/dev/null || die "docker could not load $BUSYBOX_LAYOUT"
      LOADED[$e]=busybox:latest ;;
  esac
}

# The variables a step sees for one engine (exported into a subshell only).
engine_env() { # engine
  export ENGINE=${CMD[$1]} RUN_FLAGS=${RUNFLAGS[$1]} ME=${NAME[$1]} PORT=${PORTS[$1]} PORT2=$((PORTS[$1] + 1))
  export WORK=$WORKROOT/$1 LAB_DIR=$LABDIR
}

USED=() # engines initialised, in order: cleaned up in reverse

cleanup() {
  local rc=$? i e line
  trap - EXIT INT TERM
  for ((i = ${#USED[@]} - 1; i >= 0; i--)); do
    e=${USED[i]}
    for line in "${CLEANUP[@]}"; do
      (engine_env "$e"; cd "$LAB_DIR" && timeout --foreground -k 5 60 bash -c "$line") </dev/null >/dev/null 2>&1
    done
    if [ -n "${LOADED[$e]:-}" ]; then ${CMD[$e]} rmi "${LOADED[$e]}" </dev/null >/dev/null 2>&1; fi
  done
  [ -n "$WORKROOT" ] && rm -rf "$WORKROOT"
  exit "$rc"
}

# ---------------------------------------------------------------- running a step

OUT='' RC=0
run_on() { # step engine|host
  local n=$1 e=$2 t
  t=$(field "$n" timeout "$e"); t=${t:-60}
  if [ "$e" = host ]; then
    OUT=$(cd "$LABDIR" && export WORK=$WORKROOT/host LAB_DIR=$LABDIR && timeout --foreground -k 5 "$t" bash -c "${F[$n/run/]}" </dev/null 2>&1)
  else
    OUT=$(engine_env "$e" && cd "$LAB_DIR" && timeout --foreground -k 5 "$t" bash -c "${F[$n/run/]}" </dev/null 2>&1)
  fi
  RC=$?
  OUT=${OUT//$'\r'/}
  [ "$RC" -eq 124 ] && OUT+=$'\n'"(the step did not finish within ${t} s)"
}

# Why an output misses what the step expects (nothing when it meets it). Expected: exit status
# (status:, default 0) and, for every expect: line (everyone's and the engine's own), a line
# matching it.
misses() { # step engine out rc
  local want pat reasons=()
  want=$(field "$1" status "$2"); want=${want:-0}
  [ "$4" = "$want" ] || reasons+=("exit status $4, expected $want")
  while IFS= read -r pat; do
    [ -n "$pat" ] || continue
    grep -Eq -- "$pat" <<<"$3" || reasons+=("no line matches /$pat/")
  done < <(printf '%s\n%s\n' "${F[$1/expect/]:-}" "${F[$1/expect/$2]:-}")
  [ ${#reasons[@]} -eq 0 ] || printf '%s' "${reasons[0]}"
  [ ${#reasons[@]} -lt 2 ] || printf '; %s' "${reasons[@]:1}"
}

declare -A COUNT # COUNT[<engine>/<result>]
FAILED=0

# ok | fail | skip | known-bug | bug-fixed, printed as one line and recorded.
judge() { # step engine out rc
  local n=$1 e=$2 why bug result line
  why=$(misses "$n" "$e" "$3" "$4")
  bug=$(field "$n" bug "$e")
  if [ -n "$bug" ]; then
    if [ -n "$why" ]; then result=known-bug line="$e: KNOWN BUG, failed as expected: $bug ($why)"
    else result=bug-fixed line="$e: passed, but the step is marked as a known bug: remove its 'bug[$e]:' line"; fi
  elif [ -n "$why" ]; then result=fail line="$e: FAILED: $why"
  else result=ok line="$e: ok"; fi
  [[ $result == fail || $result == bug-fixed ]] && FAILED=1
  COUNT[$e/$result]=$((${COUNT[$e/$result]:-0} + 1))
  printf '%s\n' "$line"
  record "$n" "$e" "$result" "$4" "$3"
}

record() { # step engine result rc out
  [ -n "${LAB_RESULTS:-}" ] || return 0
  printf '%s\n' "$5" >"$LAB_RESULTS/$1.$2.out"
  printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "${F[$1/title/]}" >>"$LAB_RESULTS/results.tsv"
}

run_step() { # step
  local n=$1 e why first
  local -A out=() rc=()
  local -a ran=()
  printf '\n'
  rule "Step $n/$NSTEPS: ${F[$n/title/]}"
  why=$(field "$n" why "$PRIMARY")
  [ -n "$why" ] && printf '%s\n' "$(render "$why" "${NAME[$PRIMARY]}" "${PORTS[$PRIMARY]}")" | fold -s -w 80
  printf '%s\n' "$(render "${F[$n/run/]}" "${NAME[$PRIMARY]}" "${PORTS[$PRIMARY]}")" | sed '1s/^/$ /; 2,$s/^/  /'
  if [ "$PAUSE" = yes ]; then read -r -p '(Enter runs it) ' </dev/tty || true; fi
  if ! uses_engine "$n"; then
    run_on "$n" host
    shown "$OUT"
    print_look "$n" "$PRIMARY"
    judge "$n" host "$OUT" "$RC"
    return
  fi
  for e in "$PRIMARY" ${COMPARE:+"$COMPARE"}; do
    [ -n "${F[$n/skip/$e]:-}" ] && continue
    run_on "$n" "$e"
    out[$e]=$OUT rc[$e]=$RC
    ran+=("$e")
  done
  if [ ${#ran[@]} -eq 2 ]; then
    print_both "$PRIMARY" "${out[$PRIMARY]}" "${rc[$PRIMARY]}" "$COMPARE" "${out[$COMPARE]}" "${rc[$COMPARE]}"
  elif [ ${#ran[@]} -eq 1 ]; then
    first=${ran[0]}
    [ -n "$COMPARE" ] && rule "$first (exit ${rc[$first]})"
    shown "${out[$first]}"
  fi
  print_look "$n" "$PRIMARY"
  if [ -n "$COMPARE" ]; then
    # note: (any engine) and note[E]: what differs, and why, with E beside the others
    [ -n "${F[$n/note/]:-}" ] && printf 'difference: %s\n' "${F[$n/note/]}" | fold -s -w 80
    for e in "$PRIMARY" "$COMPARE"; do
      [ -n "${F[$n/note/$e]:-}" ] && printf 'difference (%s): %s\n' "$e" "${F[$n/note/$e]}" | fold -s -w 80
    done
  fi
  for e in "$PRIMARY" ${COMPARE:+"$COMPARE"}; do
    if [ -n "${F[$n/skip/$e]:-}" ]; then
      printf '%s: not run: %s\n' "$e" "${F[$n/skip/$e]}"
      COUNT[$e/skip]=$((${COUNT[$e/skip]:-0} + 1))
      record "$n" "$e" skip - ''
    else
      judge "$n" "$e" "${out[$e]}" "${rc[$e]}"
    fi
  done
}

print_look() { # step engine
  local look
  look=$(field "$1" look "$2")
  [ -n "$look" ] && printf 'look at: %s\n' "$(render "$look" "${NAME[$2]}" "${PORTS[$2]}")" | fold -s -w 80
  return 0
}

summary() {
  local e r parts line=''
  for e in host "$PRIMARY" ${COMPARE:+"$COMPARE"}; do
    parts=''
    for r in ok fail skip known-bug bug-fixed; do
      [ -n "${COUNT[$e/$r]:-}" ] && parts+="${parts:+, }${COUNT[$e/$r]} $r"
    done
    [ -n "$parts" ] && line+="${line:+; }$e: $parts"
  done
  printf '\n'
  rule "$LAB: $( ((FAILED)) && echo FAILED || echo done) ($line)"
}

# ---------------------------------------------------------------- main

LAB='' LABDIR='' PRIMARY=minibox COMPARE='' PAUSE=auto MODE=run
while [ $# -gt 0 ]; do
  case $1 in
    --engine) [ $# -ge 2 ] || die "--engine needs an engine"; PRIMARY=$2; shift ;;
    --engine=*) PRIMARY=${1#*=} ;;
    --compare) [ $# -ge 2 ] || die "--compare needs an engine"; COMPARE=$2; shift ;;
    --compare=*) COMPARE=${1#*=} ;;
    --interactive) PAUSE=yes ;;
    --non-interactive) PAUSE=no ;;
    --readme) MODE=readme ;;
    --list) MODE=list ;;
    -h | --help) usage; exit 0 ;;
    -*) usage >&2; die "unknown option $1" ;;
    *) [ -z "$LAB" ] || die "one lab at a time ($LAB and $1 given)"; LAB=$1 ;;
  esac
  shift
done

if [ "$MODE" = list ]; then
  for d in $(lab_dirs); do printf '%-18s %s\n' "$d" "$(sed -n 's/^lab: //p' "$EXAMPLES/$d/steps")"; done
  exit 0
fi
[ -n "$LAB" ] || { usage >&2; exit 2; }
want=$LAB
find_lab "$want" || die "no lab '$want' in $EXAMPLES (run-lab.sh --list shows them)"
parse_steps "$LABDIR/steps"
if [ "$MODE" = readme ]; then print_readme; exit 0; fi

for e in "$PRIMARY" $COMPARE; do [[ " ${ENGINES[*]} " == *" $e "* ]] || die "unknown engine '$e' (one of: ${ENGINES[*]})"; done
[ "$PRIMARY" != "$COMPARE" ] || die "--compare $COMPARE is the engine that runs the lab already"
[ "$(id -u)" -eq 0 ] || die "the labs run containers as root: sudo -i first"
for v in "${NEEDS[@]}"; do
  need=${v%% *}
  if [[ $need =~ ^[A-Z][A-Z0-9_]*$ ]]; then
    [ -n "${!need:-}" ] || die "this lab needs $need: ${v#* }"
  else
    command -v "$need" >/dev/null || die "this lab needs the '$need' command: ${v#* }"
  fi
done
if [ "$PAUSE" = auto ]; then if [ -t 0 ] && [ -t 1 ]; then PAUSE=yes; else PAUSE=no; fi; fi
if [ -n "${LAB_RESULTS:-}" ]; then mkdir -p "$LAB_RESULTS" && : >"$LAB_RESULTS/results.tsv" || die "cannot write $LAB_RESULTS"; fi

WORKROOT=$(mktemp -d -t minibox-lab-XXXXXX) || die "mktemp failed"
mkdir -p "$WORKROOT/host"
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
port=${LAB_PORT:-$LAB_PORT_BASE}
for e in "$PRIMARY" $COMPARE; do
  USED+=("$e")
  engine_init "$e" "$port"
  port=$((port + 2))
done

rule "$LAB_TITLE"
for v in "${ABOUT[@]}"; do [ -n "$v" ] && printf '%s\n\n' "$v" | fold -s -w 80; done
for e in "$PRIMARY" $COMPARE; do
  printf '%-8s $ENGINE = %s; $PORT = %s, $PORT2 = %s\n' "$e:" "${CMD[$e]}" "${PORTS[$e]}" "$((PORTS[$e] + 1))"
  [ -n "${RUNFLAGS[$e]}" ] && printf '%-8s $RUN_FLAGS = %s\n' '' "${RUNFLAGS[$e]}"
done
for ((n = 1; n <= NSTEPS; n++)); do run_step "$n"; done
summary
exit "$FAILED"
