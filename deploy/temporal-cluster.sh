#!/usr/bin/env bash
# A real Temporal cluster for ccflow on this machine: the Temporal server and
# its SQL tool built from Go modules at the version ccflow embeds, the schema on
# PostgreSQL, and frontend, history, matching and worker as four processes with
# more than one history shard. CI and integration/cluster_test.go use it; so can
# you (README "Scaling out").
#
#   deploy/temporal-cluster.sh up            build (once per machine), schema, start, namespace
#   deploy/temporal-cluster.sh down          stop the four services
#   deploy/temporal-cluster.sh build         only build the binaries into the cache
#   deploy/temporal-cluster.sh schema        drop and recreate the two databases
#   deploy/temporal-cluster.sh start         start the four services and register the namespace
#   deploy/temporal-cluster.sh start-service history    start one service again (after a crash)
#   deploy/temporal-cluster.sh status        which services run, with their pids
#   deploy/temporal-cluster.sh drop          drop the two databases (after down)
#
# Settings (environment; `up` and `start` remember them in $CCFLOW_TC_DIR/env,
# which later commands read, so `start-service` after a crash uses the same ports):
#   CCFLOW_TC_DIR         pids, logs and settings of this cluster (default /tmp/ccflow-temporal-cluster)
#   CCFLOW_TC_BIN         where the binaries are cached (default ${XDG_CACHE_HOME:-~/.cache}/ccflow-ci/temporal-VERSION)
#   CCFLOW_TC_PG_HOST, CCFLOW_TC_PG_PORT, CCFLOW_TC_PG_USER, CCFLOW_TC_PG_PASSWORD
#                         PostgreSQL (default 127.0.0.1, 5432, postgres, none)
#   CCFLOW_TC_DB, CCFLOW_TC_VISIBILITY_DB
#                         the databases, DROPPED and recreated by `schema` and `up`
#                         (default ccflow_temporal, ccflow_temporal_visibility)
#   CCFLOW_TC_SHARDS      history shards (default 4)
#   CCFLOW_TC_FRONTEND_PORT, CCFLOW_TC_HISTORY_PORT, CCFLOW_TC_MATCHING_PORT, CCFLOW_TC_WORKER_PORT
#                         gRPC ports (default 7233, 7234, 7235, 7239); each service's
#                         membership port is CCFLOW_TC_*_MEMBERSHIP_PORT (default 6933, ...)
#   CCFLOW_TC_NAMESPACE   the namespace ccflow uses (default default)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"

version=$(sed -n 's/^[[:space:]]*go\.temporal\.io\/server \(v[^ ]*\).*/\1/p' "$repo/go.mod" | head -1)
[ -n "$version" ] || { echo "temporal-cluster: go.temporal.io/server not found in go.mod" >&2; exit 1; }

export CCFLOW_TC_DIR="${CCFLOW_TC_DIR:-${TMPDIR:-/tmp}/ccflow-temporal-cluster}"
mkdir -p "$CCFLOW_TC_DIR"
# Settings remembered by an earlier `up`, unless given again now.
if [ -f "$CCFLOW_TC_DIR/env" ]; then
  while IFS='=' read -r k v; do
    if [ -n "$k" ] && [ -z "${!k:-}" ]; then export "$k=$v"; fi
  done <"$CCFLOW_TC_DIR/env"
fi
export CCFLOW_TC_BIN="${CCFLOW_TC_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/ccflow-ci/temporal-$version}"
export CCFLOW_TC_PG_HOST="${CCFLOW_TC_PG_HOST:-127.0.0.1}" CCFLOW_TC_PG_PORT="${CCFLOW_TC_PG_PORT:-5432}"
export CCFLOW_TC_PG_USER="${CCFLOW_TC_PG_USER:-postgres}" CCFLOW_TC_PG_PASSWORD="${CCFLOW_TC_PG_PASSWORD:-}"
export CCFLOW_TC_DB="${CCFLOW_TC_DB:-ccflow_temporal}"
export CCFLOW_TC_VISIBILITY_DB="${CCFLOW_TC_VISIBILITY_DB:-${CCFLOW_TC_DB}_visibility}"
export CCFLOW_TC_SHARDS="${CCFLOW_TC_SHARDS:-4}" CCFLOW_TC_NAMESPACE="${CCFLOW_TC_NAMESPACE:-default}"
export CCFLOW_TC_FRONTEND_PORT="${CCFLOW_TC_FRONTEND_PORT:-7233}" CCFLOW_TC_HISTORY_PORT="${CCFLOW_TC_HISTORY_PORT:-7234}"
export CCFLOW_TC_MATCHING_PORT="${CCFLOW_TC_MATCHING_PORT:-7235}" CCFLOW_TC_WORKER_PORT="${CCFLOW_TC_WORKER_PORT:-7239}"
export CCFLOW_TC_FRONTEND_MEMBERSHIP_PORT="${CCFLOW_TC_FRONTEND_MEMBERSHIP_PORT:-6933}"
export CCFLOW_TC_HISTORY_MEMBERSHIP_PORT="${CCFLOW_TC_HISTORY_MEMBERSHIP_PORT:-6934}"
export CCFLOW_TC_MATCHING_MEMBERSHIP_PORT="${CCFLOW_TC_MATCHING_MEMBERSHIP_PORT:-6935}"
export CCFLOW_TC_WORKER_MEMBERSHIP_PORT="${CCFLOW_TC_WORKER_MEMBERSHIP_PORT:-6939}"
export CCFLOW_TC_FRONTEND_HTTP_PORT="${CCFLOW_TC_FRONTEND_HTTP_PORT:-7243}"
export CCFLOW_TC_DYNAMIC_CONFIG="${CCFLOW_TC_DYNAMIC_CONFIG:-$repo/deploy/temporal-dynamicconfig.yaml}"
services=(history matching frontend worker)

say() { printf 'temporal-cluster: %s\n' "$*"; }

build() {
  if [ -x "$CCFLOW_TC_BIN/temporal-server" ] && [ -x "$CCFLOW_TC_BIN/temporal-sql-tool" ]; then
    say "Temporal server $version cached in $CCFLOW_TC_BIN"
  else
    say "building Temporal server $version and its SQL tool into $CCFLOW_TC_BIN (once per machine, some minutes)"
    local src tmp
    # Built in the server's own module, with its own go.sum: exactly the
    # release ccflow embeds, not ccflow's resolution of its dependencies.
    src=$(cd "$repo" && go mod download -json "go.temporal.io/server@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
    [ -n "$src" ] || { say "cannot download go.temporal.io/server@$version"; exit 1; }
    mkdir -p "$CCFLOW_TC_BIN"
    tmp=$(mktemp -d "$CCFLOW_TC_BIN/.build-XXXXXX")
    (cd "$src" && go build -o "$tmp/temporal-server" ./cmd/server && go build -o "$tmp/temporal-sql-tool" ./cmd/tools/sql)
    # Moved into place only when both built, so a cut-off build is redone.
    mv "$tmp/temporal-sql-tool" "$tmp/temporal-server" "$CCFLOW_TC_BIN/"
    rmdir "$tmp"
  fi
  # The namespace helper is ccflow's own (a few seconds from Go's build cache).
  (cd "$repo" && go build -o "$CCFLOW_TC_DIR/temporal-namespace" ./deploy/temporal-namespace)
}

# sqltool runs Temporal's SQL tool; its chatter goes to schema.log, shown
# only when it fails.
sqltool() {
  if ! "$CCFLOW_TC_BIN/temporal-sql-tool" --plugin postgres12 --ep "$CCFLOW_TC_PG_HOST" --port "$CCFLOW_TC_PG_PORT" \
    --user "$CCFLOW_TC_PG_USER" --password "$CCFLOW_TC_PG_PASSWORD" --quiet "$@" >>"$CCFLOW_TC_DIR/schema.log" 2>&1; then
    tail -20 "$CCFLOW_TC_DIR/schema.log" >&2
    say "temporal-sql-tool $* failed (whole log: $CCFLOW_TC_DIR/schema.log)"
    return 1
  fi
}

schema() {
  say "schema: dropping and creating $CCFLOW_TC_DB and $CCFLOW_TC_VISIBILITY_DB on $CCFLOW_TC_PG_HOST:$CCFLOW_TC_PG_PORT"
  local db name
  for pair in "$CCFLOW_TC_DB:temporal" "$CCFLOW_TC_VISIBILITY_DB:visibility"; do
    db=${pair%%:*} name=${pair#*:}
    sqltool --db "$db" drop-database --force 2>/dev/null || true
    sqltool --db "$db" create-database
    sqltool --db "$db" setup-schema -v 0.0
    sqltool --db "$db" update-schema --schema-name "postgresql/v12/$name"
  done
}

remember() {
  env | grep '^CCFLOW_TC_' | grep -v '^CCFLOW_TC_DIR=' | sort >"$CCFLOW_TC_DIR/env"
}

running() {
  local pid
  pid=$(cat "$CCFLOW_TC_DIR/$1.pid" 2>/dev/null) && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

start_service() {
  local svc=$1
  if running "$svc"; then say "$svc already runs (pid $(cat "$CCFLOW_TC_DIR/$svc.pid"))"; return; fi
  # Its own session, so that it outlives this script and a Ctrl-C here.
  setsid "$CCFLOW_TC_BIN/temporal-server" --config-file "$repo/deploy/temporal-cluster.yaml" --allow-no-auth \
    start --service "$svc" >>"$CCFLOW_TC_DIR/$svc.log" 2>&1 </dev/null &
  echo $! >"$CCFLOW_TC_DIR/$svc.pid"
  say "$svc started (pid $!, log $CCFLOW_TC_DIR/$svc.log)"
}

# port_of is a service's gRPC port.
port_of() {
  case "$1" in
    frontend) echo "$CCFLOW_TC_FRONTEND_PORT" ;;
    history) echo "$CCFLOW_TC_HISTORY_PORT" ;;
    matching) echo "$CCFLOW_TC_MATCHING_PORT" ;;
    worker) echo "$CCFLOW_TC_WORKER_PORT" ;;
  esac
}

# listening waits up to a minute for a local TCP port to accept connections.
listening() {
  local _
  for _ in $(seq 1 600); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

start() {
  remember
  # One service first: on a fresh schema every service writes the cluster's
  # metadata as it starts, and services starting together race on that insert
  # (one of them exits with "duplicate key ... failed to initialize current
  # cluster metadata"). Once the first listens, the row is there.
  start_service "${services[0]}"
  listening "$(port_of "${services[0]}")" || say "${services[0]} does not listen yet; starting the others anyway"
  for svc in "${services[@]:1}"; do start_service "$svc"; done
  local ok=1
  "$CCFLOW_TC_DIR/temporal-namespace" -address "127.0.0.1:$CCFLOW_TC_FRONTEND_PORT" -namespace "$CCFLOW_TC_NAMESPACE" -wait 2m || ok=0
  for svc in "${services[@]}"; do
    if ! running "$svc"; then
      ok=0
      say "$svc is not running; the end of its log:"
      tail -c 1500 "$CCFLOW_TC_DIR/$svc.log" >&2
    fi
  done
  if [ "$ok" = 0 ]; then say "the cluster did not come up (a port in use? see above)"; down >/dev/null; exit 1; fi
  say "ready: $CCFLOW_TC_SHARDS history shards; give ccflow server and ccflow worker:"
  echo "CCFLOW_TEMPORAL_ADDRESS=127.0.0.1:$CCFLOW_TC_FRONTEND_PORT CCFLOW_TEMPORAL_NAMESPACE=$CCFLOW_TC_NAMESPACE"
}

down() {
  local svc pid
  for svc in "${services[@]}"; do
    pid=$(cat "$CCFLOW_TC_DIR/$svc.pid" 2>/dev/null) || continue
    kill -TERM "$pid" 2>/dev/null || true
  done
  for svc in "${services[@]}"; do
    pid=$(cat "$CCFLOW_TC_DIR/$svc.pid" 2>/dev/null) || continue
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$CCFLOW_TC_DIR/$svc.pid"
  done
  say "stopped"
}

# drop removes the cluster's two databases (after `down`).
drop() {
  local db
  for db in "$CCFLOW_TC_DB" "$CCFLOW_TC_VISIBILITY_DB"; do
    sqltool --db "$db" drop-database --force 2>/dev/null || true
  done
  say "dropped $CCFLOW_TC_DB and $CCFLOW_TC_VISIBILITY_DB"
}

status() {
  for svc in "${services[@]}"; do
    if running "$svc"; then echo "$svc: running (pid $(cat "$CCFLOW_TC_DIR/$svc.pid"))"; else echo "$svc: stopped"; fi
  done
}

case "${1:-up}" in
  up) build; down >/dev/null; schema; start ;;
  build) build ;;
  schema) build; schema ;;
  start) start ;;
  start-service)
    [ -n "${2:-}" ] || { say "start-service needs one of: ${services[*]}"; exit 2; }
    start_service "$2"
    # Back when the cluster answers again through the frontend (a history
    # process takes its shards back first).
    "$CCFLOW_TC_DIR/temporal-namespace" -address "127.0.0.1:$CCFLOW_TC_FRONTEND_PORT" -namespace "$CCFLOW_TC_NAMESPACE" -wait 2m
    running "$2" || { say "$2 did not stay up; the end of its log:"; tail -c 1500 "$CCFLOW_TC_DIR/$2.log" >&2; exit 1; }
    ;;
  down | stop) down ;;
  drop) drop ;;
  status) status ;;
  *) say "unknown command $1 (up, down, build, schema, start, start-service SERVICE, status)"; exit 2 ;;
esac
