#!/bin/bash
# The stand-in mysql image's entrypoint, written for minibox from the contract of Docker
# Hub's mysql image (its documentation), on MariaDB from Debian:
#  - `docker-entrypoint.sh mysqld [options]` (an argument list starting with "-" means mysqld);
#    anything else is exec'd as it is (`minibox run mysql bash`).
#  - as root: the configuration is checked (`mysqld --verbose --help`), the data and socket
#    directories are given to the mysql user (uid 999), and the script starts again as that
#    user through gosu.
#  - first start (no <datadir>/mysql): one of MYSQL_ROOT_PASSWORD, MYSQL_ALLOW_EMPTY_PASSWORD,
#    MYSQL_RANDOM_ROOT_PASSWORD is required; the system tables are made, a temporary server
#    without networking (port 0) sets the root password (root@MYSQL_ROOT_HOST, default %),
#    creates MYSQL_DATABASE and MYSQL_USER/MYSQL_PASSWORD (granted that database), runs
#    /docker-entrypoint-initdb.d/*.sh, *.sql, *.sql.gz in name order, and is shut down.
#  - then mysqld runs as the container's main process (port 3306).
# Every MYSQL_* secret can be given as MYSQL_*_FILE instead (Docker secrets). Passwords reach
# the client through --defaults-extra-file=<(…), never on a command line.
set -eo pipefail
shopt -s nullglob

log() {
  local level="$1"
  shift
  printf '%s [%s] [Entrypoint]: %s\n' "$(date --rfc-3339=seconds)" "$level" "$*"
}
note() { log Note "$@"; }
warn() { log Warn "$@" >&2; }
die() {
  log ERROR "$@" >&2
  exit 1
}

# VAR or VAR_FILE (the file's content), never both; exported as VAR, VAR_FILE unset
from_env_or_file() {
  local var="$1" file_var="$1_FILE" value="${2:-}"
  if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then
    die "Both $var and $file_var are set (but are exclusive)"
  fi
  if [ -n "${!var:-}" ]; then
    value="${!var}"
  elif [ -n "${!file_var:-}" ]; then
    value="$(< "${!file_var}")"
  fi
  export "$var"="$value"
  unset "$file_var"
}


# options that print something and exit: no setup for them
only_asks_for_help() {
  local arg
  for arg; do
    case "$arg" in
      -'?' | --help | --print-defaults | -V | --version) return 0 ;;
    esac
  done
  return 1
}

check_config() {
  local out
  if ! out="$("$@" --verbose --help 2>&1 >/dev/null)"; then
    die "$(printf 'mysqld failed while attempting to check config\n\tcommand was: %s\n\t%s' "$*" "$out")"
  fi
}

# the data directory and socket as the server sees them with these arguments (its option
# files included): the table `mysqld --verbose --help` ends with, read whole in one go
read_settings() {
  local table
  table="$("$@" --verbose --help 2>/dev/null)"
  # the values follow the "Variables (--variable-name=value)" heading; above it, a wrapped
  # line of the options' descriptions may start with the same word
  DATADIR="$(awk '/^Variables \(/ { t = 1 } t && $1 == "datadir" { print $2; exit }' <<< "$table")"
  DATADIR="${DATADIR%/}"
  SOCKET="$(awk '/^Variables \(/ { t = 1 } t && $1 == "socket" { print $2; exit }' <<< "$table")"
  case "$DATADIR:$SOCKET" in
    /?*:/?*) ;;
    *) die "could not read datadir and socket from '$* --verbose --help' (got '$DATADIR' and '$SOCKET')" ;;
  esac
}

# an SQL string literal's inside: backslash and quote escaped
sql_escape() {
  local s="${1//\\/\\\\}"
  printf '%s' "${s//\'/\\\'}"
}

# an option file value: backslash and double quote escaped, then quoted
cnf_quote() {
  local s="${1//\\/\\\\}"
  printf '"%s"' "${s//\"/\\\"}"
}

# the client on the temporary server's socket, as root; once the password is set it is read
# from an option file the shell passes as /dev/fd/N (so it is on no command line)
client() {
  if [ -n "$ROOT_PASSWORD_SET" ] && [ -n "$MYSQL_ROOT_PASSWORD" ]; then
    mysql --defaults-extra-file=<(printf '[client]\npassword=%s\n' "$(cnf_quote "$MYSQL_ROOT_PASSWORD")") \
      --protocol=socket --socket="$SOCKET" -uroot -hlocalhost --comments "$@"
  else
    mysql --protocol=socket --socket="$SOCKET" -uroot -hlocalhost --comments "$@"
  fi
}

require_password_option() {
  if [ -z "$MYSQL_ROOT_PASSWORD" ] && [ -z "$MYSQL_ALLOW_EMPTY_PASSWORD" ] && [ -z "$MYSQL_RANDOM_ROOT_PASSWORD" ]; then
    die "$(printf '%s\n' 'Database is uninitialized and password option is not specified' \
      '    You need to specify one of the following as an environment variable:' \
      '    - MYSQL_ROOT_PASSWORD' '    - MYSQL_ALLOW_EMPTY_PASSWORD' '    - MYSQL_RANDOM_ROOT_PASSWORD')"
  fi
}

make_system_tables() {
  note "Initializing database files"
  mariadb-install-db --datadir="$DATADIR" --rpm --cross-bootstrap --auth-root-authentication-method=normal \
    --skip-test-db --skip-name-resolve "${@:2}"
  note "Database files initialized"
}

start_temporary_server() {
  note "Starting temporary server"
  "$@" --skip-networking --socket="$SOCKET" &
  TEMP_PID=$!
  local i
  for i in $(seq 300); do
    if client --database=mysql <<< 'SELECT 1' >/dev/null 2>&1; then
      note "Temporary server started."
      return 0
    fi
    kill -0 "$TEMP_PID" 2>/dev/null || die "Unable to start server."
    sleep 0.1
  done
  die "Unable to start server (no answer on $SOCKET after 30 s)."
}

stop_temporary_server() {
  note "Stopping temporary server"
  kill -TERM "$TEMP_PID"
  wait "$TEMP_PID" || die "The temporary server did not shut down cleanly."
  note "Temporary server stopped"
}

set_up_accounts() {
  if [ -n "$MYSQL_RANDOM_ROOT_PASSWORD" ]; then
    MYSQL_ROOT_PASSWORD="$(tr -dc 'A-Za-z0-9' < /dev/urandom | head -c 32 || true)"
    export MYSQL_ROOT_PASSWORD
    note "GENERATED ROOT PASSWORD: $MYSQL_ROOT_PASSWORD"
  fi
  local pw host
  pw="$(sql_escape "$MYSQL_ROOT_PASSWORD")"
  host="$(sql_escape "${MYSQL_ROOT_HOST:-%}")"
  # mariadb-install-db also makes root@127.0.0.1 and root@::1 without a password; like the
  # official image, root is root@localhost plus root@MYSQL_ROOT_HOST, both with the password
  local others
  others="$(client --database=mysql --skip-column-names <<< "SELECT CONCAT('DROP USER ', QUOTE(User), '@', QUOTE(Host), ';') FROM global_priv WHERE User = 'root' AND Host <> 'localhost';")"
  {
    echo "SET @@SESSION.SQL_LOG_BIN=0;"
    printf '%s\n' "$others"
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY '$pw';"
    if [ "${MYSQL_ROOT_HOST:-%}" != localhost ]; then
      echo "CREATE USER 'root'@'$host' IDENTIFIED BY '$pw';"
      echo "GRANT ALL ON *.* TO 'root'@'$host' WITH GRANT OPTION;"
      echo "GRANT PROXY ON ''@'%' TO 'root'@'$host' WITH GRANT OPTION;"
    fi
    echo "FLUSH PRIVILEGES;"
  } | client --database=mysql
  ROOT_PASSWORD_SET=1

  if [ -n "$MYSQL_DATABASE" ]; then
    note "Creating database ${MYSQL_DATABASE}"
    printf 'CREATE DATABASE IF NOT EXISTS `%s`;\n' "${MYSQL_DATABASE//\`/\`\`}" | client
  fi
  if [ -n "$MYSQL_USER" ] && [ -n "$MYSQL_PASSWORD" ]; then
    [ "$MYSQL_USER" != root ] || die 'MYSQL_USER="root", MYSQL_USER and MYSQL_PASSWORD are for configuring a regular user and cannot be used for the root user'
    note "Creating user ${MYSQL_USER}"
    local user
    user="$(sql_escape "$MYSQL_USER")"
    {
      printf "CREATE USER '%s'@'%%' IDENTIFIED BY '%s';\n" "$user" "$(sql_escape "$MYSQL_PASSWORD")"
      if [ -n "$MYSQL_DATABASE" ]; then
        note "Giving user ${MYSQL_USER} access to schema ${MYSQL_DATABASE}" >&2
        printf "GRANT ALL ON \`%s\`.* TO '%s'@'%%';\n" "${MYSQL_DATABASE//\`/\`\`}" "$user"
      fi
    } | client
  elif [ -n "$MYSQL_USER" ] || [ -n "$MYSQL_PASSWORD" ]; then
    warn "MYSQL_USER and MYSQL_PASSWORD must both be set for a user to be created"
  fi
}

# /docker-entrypoint-initdb.d: shell scripts (run if executable, else sourced, so they see
# this script's functions and variables), SQL, gzipped SQL; anything else is ignored
run_init_files() {
  local f
  local sql_db=()
  [ -z "$MYSQL_DATABASE" ] || sql_db=(--database="$MYSQL_DATABASE")
  for f in "$@"; do
    case "$f" in
      *.sh)
        if [ -x "$f" ]; then
          note "$0: running $f"
          "$f"
        else
          note "$0: sourcing $f"
          # shellcheck disable=SC1090
          . "$f"
        fi
        ;;
      *.sql) note "$0: running $f"; client "${sql_db[@]}" < "$f" ;;
      *.sql.gz) note "$0: running $f"; gunzip -c "$f" | client "${sql_db[@]}" ;;
      *) warn "$0: ignoring $f" ;;
    esac
  done
}

expire_root_if_asked() {
  if [ -n "$MYSQL_ONETIME_PASSWORD" ]; then
    note "Expiring the root password (MYSQL_ONETIME_PASSWORD)"
    echo "ALTER USER 'root'@'$(sql_escape "${MYSQL_ROOT_HOST:-%}")' PASSWORD EXPIRE;" | client
  fi
}

first_start() {
  require_password_option
  make_system_tables "$@"
  start_temporary_server "$@"
  set_up_accounts
  run_init_files /docker-entrypoint-initdb.d/*
  expire_root_if_asked
  stop_temporary_server
  echo
  note "MySQL init process done. Ready for start up."
  echo
}

main() {
  # `docker run mysql --character-set-server=utf8mb4`: options for mysqld
  if [ "${1:0:1}" = '-' ]; then
    set -- mysqld "$@"
  fi
  case "$1" in
    mysqld | mariadbd) ;;
    *) exec "$@" ;;
  esac
  if only_asks_for_help "$@"; then
    exec "$@"
  fi

  note "Entrypoint script for MySQL Server (MariaDB $(mysqld --version | awk '{ print $3 }')) started."
  check_config "$@"
  read_settings "$@"

  if [ "$(id -u)" = 0 ]; then
    mkdir -p "$DATADIR" "$(dirname "$SOCKET")"
    find "$DATADIR" "$(dirname "$SOCKET")" \! -user mysql -exec chown mysql:mysql '{}' +
    note "Switching to dedicated user 'mysql'"
    exec gosu mysql "${BASH_SOURCE[0]}" "$@"
  fi

  local name
  for name in MYSQL_ROOT_PASSWORD MYSQL_ALLOW_EMPTY_PASSWORD MYSQL_RANDOM_ROOT_PASSWORD MYSQL_ROOT_HOST \
    MYSQL_DATABASE MYSQL_USER MYSQL_PASSWORD MYSQL_ONETIME_PASSWORD; do
    from_env_or_file "$name"
  done
  ROOT_PASSWORD_SET=

  if [ ! -d "$DATADIR/mysql" ]; then
    first_start "$@"
  fi
  exec "$@"
}

main "$@"
