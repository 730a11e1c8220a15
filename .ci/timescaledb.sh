#!/usr/bin/env bash
# CI only: builds TimescaleDB from the vendored upstream source (../shared/vendor) against Debian's
# PostgreSQL 15, starts a throwaway server on a free port and prints its admin URL on the last line
# of stdout. The product never needs this; it is how CI proves the TimescaleDB path on a real server.
#   .ci/timescaledb.sh start <dir>   build (cached) + initdb in <dir> + start; prints the URL
#   .ci/timescaledb.sh stop <dir>    stops the server started in <dir> and removes <dir>
# Exit 3 (with the reason on stderr) when the vendored source is not there.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version=2.23.1
tarball="${TIMESCALEDB_SOURCE:-$here/../../shared/vendor/timescaledb-$version.tar.gz}"
pgbin=/usr/lib/postgresql/15/bin
# Kept across runs on the same machine: a rerun only copies the staged install (seconds, not minutes).
cache="${SHELFSENSE_CI_CACHE:-/var/cache/shelfsense-ci}/timescaledb-$version"

log() { echo "ci/timescaledb: $*" >&2; }

install_prereqs() {
  local missing=()
  for p in postgresql-15 postgresql-server-dev-15 cmake build-essential libssl-dev libkrb5-dev; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    log "installing ${missing[*]} (apt)"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
  fi
}

build() {
  local pgver stamp
  pgver="$("$pgbin/pg_config" --version)"
  stamp="$version $(sha256sum "$tarball" | cut -d' ' -f1) $pgver"
  if [ ! -f "$cache/stamp" ] || [ "$(cat "$cache/stamp")" != "$stamp" ]; then
    log "building TimescaleDB $version for $pgver (about 3 minutes; cached in $cache)"
    rm -rf "$cache" && mkdir -p "$cache/src"
    tar xzf "$tarball" -C "$cache/src"
    # A `git archive` has no top folder; a release tarball has one.
    [ -x "$cache/src/bootstrap" ] || { local top; top="$(ls "$cache/src")"; mv "$cache/src/$top" "$cache/srcdir" && rmdir "$cache/src" && mv "$cache/srcdir" "$cache/src"; }
    (cd "$cache/src" && ./bootstrap -DREGRESS_CHECKS=OFF -DTAP_CHECKS=OFF -DWARNINGS_AS_ERRORS=OFF \
        -DAPACHE_ONLY=OFF -DPG_CONFIG="$pgbin/pg_config" >"$cache/build.log" 2>&1 \
      && cd build && make -j"$(nproc)" >>"$cache/build.log" 2>&1 \
      && make install DESTDIR="$cache/stage" >>"$cache/build.log" 2>&1) \
      || { tail -30 "$cache/build.log" >&2; log "build failed; full log in $cache/build.log"; exit 1; }
    rm -rf "$cache/src"
    echo "$stamp" >"$cache/stamp"
  else
    log "using the cached build in $cache"
  fi
  cp -a "$cache/stage/." /
}

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

start() {
  local dir="$1" port password
  [ -f "$tarball" ] || { log "no vendored TimescaleDB source at $tarball"; exit 3; }
  install_prereqs
  build
  mkdir -p "$dir" && chown postgres: "$dir"
  password="ci-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  echo "$password" >"$dir/pw" && chown postgres: "$dir/pw"
  runuser -u postgres -- "$pgbin/initdb" -D "$dir/data" -U postgres --pwfile="$dir/pw" -A scram-sha-256 \
    --encoding=UTF8 --no-instructions >/dev/null
  rm "$dir/pw"
  port="$(free_port)"
  cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
shared_preload_libraries = 'timescaledb'
timescaledb.telemetry_level = off
max_connections = 300
# One database per test file, each with its own TimescaleDB scheduler.
max_worker_processes = 96
timescaledb.max_background_workers = 80
fsync = off
synchronous_commit = off
full_page_writes = off
# A standby that never answers: a session that sets synchronous_commit = on waits after its commit's
# pre-commit step until cancelled, which is how aggregate-threshold-race.test.ts holds a commit
# across a refresh. Every other session commits at once (synchronous_commit = off above).
synchronous_standby_names = 'shelfsense_phantom_standby'
CONF
  runuser -u postgres -- "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start >/dev/null
  echo "postgres://postgres:$password@127.0.0.1:$port/postgres"
}

stop() {
  local dir="$1"
  [ -d "$dir/data" ] && runuser -u postgres -- "$pgbin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
  rm -rf "$dir"
}

case "${1:-}" in
  start) start "$2" ;;
  stop) stop "$2" ;;
  *) echo "usage: $0 start|stop <dir>" >&2; exit 2 ;;
esac
