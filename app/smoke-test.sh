#!/usr/bin/env bash
# Smoke test of the guestbook binary against a real, throwaway PostgreSQL.
#
# Not part of `go test`: it needs PostgreSQL's server binaries (initdb, postgres)
# and psql, e.g. `apt-get install postgresql` on Debian/Ubuntu. It:
#   1. builds ./guestbook (CGO_ENABLED=0, as the Dockerfile does),
#   2. starts the app BEFORE the database exists and checks it does not crash:
#      /healthz 200, /readyz 503, /api/entries 503,
#   3. starts PostgreSQL on 127.0.0.1:<free port> in a temp dir (password auth,
#      a dedicated role and database), waits for /readyz 200 (lazy table creation),
#   4. exercises every endpoint (CRUD, validation, 404/405, /api/config hash, /),
#   5. stops PostgreSQL under the running app (/readyz 503, /healthz 200) and
#      restarts it (/readyz back to 200),
#   6. sends SIGTERM: /readyz 503 at once while / keeps answering for
#      SHUTDOWN_DELAY, then the process exits 0.
# Everything it starts is stopped by PID and the temp dir removed, also on failure.
# When run as root, PostgreSQL runs as `nobody` and the app as uid 65532 (as in
# the image). Only 127.0.0.1 is contacted; every curl is time-bounded.
#
# Usage: app/smoke-test.sh            (from anywhere)
set -euo pipefail

APP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DELAY_S=3

pg_bin() {
  local name=$1 d
  if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return; fi
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/$name" ]; then echo "$d/$name"; return; fi
  done
  echo "smoke-test: $name not found (install PostgreSQL server binaries)" >&2
  exit 2
}
INITDB=$(pg_bin initdb)
POSTGRES=$(pg_bin postgres)
PSQL=$(pg_bin psql)

free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 20000))
    if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "$p"; return; fi
  done
  echo "smoke-test: no free port found" >&2
  exit 2
}

TMP=$(mktemp -d)
chmod 755 "$TMP"
PG_PID=""
APP_PID=""
PASS=0
FAIL=0

if [ "$(id -u)" = 0 ]; then
  PG_AS=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
  APP_AS=(setpriv --reuid=65532 --regid=65532 --clear-groups)
  mkdir "$TMP/pg" && chown nobody:nogroup "$TMP/pg"
else
  PG_AS=()
  APP_AS=()
  mkdir "$TMP/pg"
fi

cleanup() {
  set +e
  if [ -n "$APP_PID" ] && kill -0 "$APP_PID" 2>/dev/null; then kill -KILL "$APP_PID"; wait "$APP_PID" 2>/dev/null; fi
  if [ -n "$PG_PID" ] && kill -0 "$PG_PID" 2>/dev/null; then kill -INT "$PG_PID"; wait "$PG_PID" 2>/dev/null; fi
  if [ -n "${KEEP_LOG:-}" ]; then cp "$TMP/app.log" "$KEEP_LOG"; fi
  rm -rf "$TMP"
}
trap cleanup EXIT

ok()   { PASS=$((PASS + 1)); echo "  ok   $*"; }
bad()  { FAIL=$((FAIL + 1)); echo "  FAIL $*"; }
# check DESC EXPECTED ACTUAL
check() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: expected [$2], got [$3]"; fi; }
# contains DESC NEEDLE HAYSTACK
contains() { case "$3" in *"$2"*) ok "$1";; *) bad "$1: [$2] not in [$3]";; esac; }

CURL=(curl -s --max-time 5 --noproxy '*')
status() { "${CURL[@]}" -o /dev/null -w '%{http_code}' "$@" || true; }
body()   { "${CURL[@]}" "$@" || true; }

# wait_status URL CODE SECONDS
wait_status() {
  local end=$((SECONDS + $3))
  while [ $SECONDS -lt $end ]; do
    [ "$(status "$1")" = "$2" ] && return 0
    sleep 0.2
  done
  return 1
}

start_pg() {
  "${PG_AS[@]}" "$POSTGRES" -D "$TMP/pg/data" -h 127.0.0.1 -p "$PG_PORT" -k "$TMP/pg" \
    >>"$TMP/pg/server.log" 2>&1 &
  PG_PID=$!
  for _ in $(seq 1 100); do
    if "${PG_AS[@]}" "$PSQL" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  echo "smoke-test: PostgreSQL did not start:" >&2
  cat "$TMP/pg/server.log" >&2
  exit 1
}

stop_pg() {
  kill -INT "$PG_PID" # fast shutdown
  wait "$PG_PID" 2>/dev/null || true
  PG_PID=""
}

echo "== build"
(cd "$APP_DIR" && CGO_ENABLED=0 go build -trimpath -o "$TMP/guestbook" .)
chmod 755 "$TMP/guestbook"

PG_PORT=$(free_port)
APP_PORT=$(free_port)
DB_PASSWORD="smoke p@ss:w/rd'\"#"
BASE="http://127.0.0.1:$APP_PORT"
export PGPASSWORD=superpass # superuser, only for setup via psql

echo "== start app before the database exists (pg port $PG_PORT, app port $APP_PORT)"
env -i PATH=/usr/bin:/bin PORT="$APP_PORT" DB_HOST=127.0.0.1 DB_PORT="$PG_PORT" DB_NAME=guestbook \
  DB_USER=app DB_PASSWORD="$DB_PASSWORD" LOG_LEVEL=debug APP_TITLE="Smoke <Test>" APP_ENV=smoke \
  SHUTDOWN_DELAY="${DELAY_S}s" "${APP_AS[@]}" "$TMP/guestbook" >"$TMP/app.log" 2>&1 &
APP_PID=$!
if wait_status "$BASE/healthz" 200 10; then ok "/healthz 200 without a database"; else bad "/healthz never answered"; fi
check "/readyz 503 without a database" 503 "$(status "$BASE/readyz")"
check "/api/entries 503 without a database" 503 "$(status "$BASE/api/entries")"
sleep 1
if kill -0 "$APP_PID" 2>/dev/null; then ok "app still running without a database"; else bad "app exited without a database"; fi

echo "== start PostgreSQL"
printf '%s\n' "$PGPASSWORD" >"$TMP/pg/pwfile"
[ "$(id -u)" = 0 ] && chown nobody:nogroup "$TMP/pg/pwfile"
"${PG_AS[@]}" "$INITDB" -D "$TMP/pg/data" -U postgres --pwfile="$TMP/pg/pwfile" \
  --auth-host=scram-sha-256 --auth-local=trust -E UTF8 >"$TMP/pg/initdb.log" 2>&1
start_pg
SQL_PW=${DB_PASSWORD//\'/\'\'}
"${PG_AS[@]}" "$PSQL" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
  -c "CREATE ROLE app LOGIN PASSWORD '$SQL_PW'" -c "CREATE DATABASE guestbook OWNER app"

echo "== endpoints"
if wait_status "$BASE/readyz" 200 30; then ok "/readyz 200 once the database is up"; else bad "/readyz never became 200"; fi
check "/readyz body" "ready" "$(body "$BASE/readyz")"
TABLE=$("${PG_AS[@]}" "$PSQL" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d guestbook -Atqc \
  "select tableowner from pg_tables where tablename='entries'")
check "table entries created lazily by the app" "app" "$TABLE"
check "/healthz" "ok" "$(body "$BASE/healthz")"
contains "X-App-Version header" "X-App-Version: 0.1.0" "$("${CURL[@]}" -D - -o /dev/null "$BASE/healthz")"
check "GET /api/entries empty" '{"entries":[]}' "$(body "$BASE/api/entries")"

R=$(body -X POST -H 'Content-Type: application/json' -d '{"name":"Ada","message":"first <b>post</b>"}' -w ' %{http_code}' "$BASE/api/entries")
contains "POST 201" " 201" "$R"
contains "POST returns entry" '"name":"Ada","message":"first \u003cb\u003epost\u003c/b\u003e","createdAt":"' "$R"
body -X POST -H 'Content-Type: application/json' -d '{"name":"Bob","message":"second"}' -o /dev/null "$BASE/api/entries"
L=$(body "$BASE/api/entries")
contains "GET newest first" '{"entries":[{"id":2,"name":"Bob","message":"second","createdAt":"' "$L"
contains "GET includes the first entry" '{"id":1,"name":"Ada"' "$L"
if [[ "$L" =~ \"createdAt\":\"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\" ]]; then ok "createdAt is RFC3339"; else bad "createdAt format: $L"; fi

R=$(body -X POST -H 'Content-Type: application/json' -d '{"name":"","message":"x"}' -w ' %{http_code}' "$BASE/api/entries")
check "POST empty name -> 400 naming the field" '{"error":"name must be 1-64 characters"} 400' "$(echo "$R" | tr -d '\n')"
LONG=$(printf 'm%.0s' $(seq 1 501))
R=$(body -X POST -d "{\"name\":\"a\",\"message\":\"$LONG\"}" -w ' %{http_code}' "$BASE/api/entries")
check "POST 501-char message -> 400" '{"error":"message must be 1-500 characters"} 400' "$(echo "$R" | tr -d '\n')"
check "POST bad JSON -> 400" 400 "$(status -X POST -d 'nope' "$BASE/api/entries")"
check "POST form -> 303" 303 "$(status -X POST --data-urlencode 'name=Eve' --data-urlencode 'message=via form' "$BASE/api/entries")"
check "DELETE /api/entries -> 405" 405 "$(status -X DELETE "$BASE/api/entries")"
check "POST /healthz -> 405" 405 "$(status -X POST "$BASE/healthz")"
check "GET /nope -> 404" 404 "$(status "$BASE/nope")"

CFG=$(body "$BASE/api/config")
HASH=$(printf '%s' "$DB_PASSWORD" | sha256sum | cut -d' ' -f1)
check "/api/config" "{\"dbHost\":\"127.0.0.1\",\"dbPort\":\"$PG_PORT\",\"dbName\":\"guestbook\",\"dbUser\":\"app\",\"dbSslMode\":\"disable\",\"logLevel\":\"debug\",\"appTitle\":\"Smoke \\u003cTest\\u003e\",\"appEnv\":\"smoke\",\"passwordSha256\":\"$HASH\"}" "$CFG"
case "$CFG" in *"smoke p@ss"*) bad "/api/config leaks the password";; *) ok "/api/config does not contain the password";; esac

PAGE=$(body "$BASE/")
contains "/ has escaped title" "<h1>Smoke &lt;Test&gt;</h1>" "$PAGE"
contains "/ lists entries, escaped" "first &lt;b&gt;post&lt;/b&gt;" "$PAGE"
contains "/ lists the form entry" "via form" "$PAGE"
contains "/ has the form" '<form method="post" action="/api/entries">' "$PAGE"

echo "== database outage while running"
stop_pg
if wait_status "$BASE/readyz" 503 10; then ok "/readyz 503 after the database stops"; else bad "/readyz stayed ready"; fi
check "/healthz still 200" 200 "$(status "$BASE/healthz")"
start_pg
if wait_status "$BASE/readyz" 200 30; then ok "/readyz 200 after the database is back"; else bad "/readyz did not recover"; fi
check "entries survive the restart" 200 "$(status "$BASE/api/entries")"

echo "== SIGTERM drain (SHUTDOWN_DELAY=${DELAY_S}s)"
T0=$SECONDS
kill -TERM "$APP_PID"
sleep 0.3
check "/readyz 503 right after SIGTERM" "shutting down 503" "$(body -w ' %{http_code}' "$BASE/readyz")"
check "/ still 200 during the delay" 200 "$(status "$BASE/")"
sleep $((DELAY_S - 1))
check "/api/entries still 200 near the end of the delay" 200 "$(status "$BASE/api/entries")"
set +e
wait "$APP_PID"
RC=$?
set -e
APP_PID=""
ELAPSED=$((SECONDS - T0))
check "exit code after SIGTERM" 0 "$RC"
if [ "$ELAPSED" -ge "$DELAY_S" ] && [ "$ELAPSED" -le $((DELAY_S + 11)) ]; then ok "exited after ${ELAPSED}s"; else bad "exited after ${ELAPSED}s"; fi
check "port closed after exit" 000 "$(status "$BASE/healthz")"

echo "== logs"
if grep -v '^{' "$TMP/app.log"; then bad "non-JSON log lines above"; else ok "every log line is JSON"; fi
contains "startup log has the version" '"msg":"starting guestbook","version":"0.1.0"' "$(cat "$TMP/app.log")"
contains "request log at debug" '"msg":"request","method":"GET","path":"/healthz","status":200' "$(cat "$TMP/app.log")"
contains "shutdown logged" '"msg":"shutdown complete"' "$(cat "$TMP/app.log")"
if grep -q 'smoke p@ss' "$TMP/app.log"; then bad "password appears in the log"; else ok "password not in the log"; fi

echo
echo "smoke: $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
