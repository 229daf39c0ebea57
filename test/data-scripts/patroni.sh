# shellcheck shell=bash disable=SC2034 # POD_ENV and POD_OPTS are read by run.sh's pod_args
# Sourced by run.sh. The Patroni image and the scripts of a Patroni-managed database that
# run outside Patroni's own loop: the configuration the construct renders, validated by
# Patroni; a single instance's data prepared for Patroni's takeover (the upgrade from one
# replica: lib.sh's role setup in single-user mode); post-bootstrap.sh on a new cluster.
# Patroni electing, failing over and rejoining is proven on the kind cluster (e2e/prod.ts).

POD_ENV=(PYTHONDONTWRITEBYTECODE=1) POD_OPTS=()
check "the Patroni image: Patroni 4.1.5 and psycopg with the image's libpq 17, on a read-only root as uid 999" \
  equals 'patroni 4.1.5|17' "$(pod_run "$PATRONI" 999 "" patroni --version)|$(pod_run "$PATRONI" 999 "" python3 -c 'import psycopg; print(psycopg.pq.version() // 10000)')"
check "… and the official image's entrypoint and PostgreSQL are unchanged in it (same base layer)" \
  cmp "$PG/root/usr/local/bin/docker-entrypoint.sh" "$PATRONI/root/usr/local/bin/docker-entrypoint.sh"
POD_ENV=(PATRONI_NAME=patroni-0 "PATRONI_KUBERNETES_POD_IP=$POD_ADDR" PATRONI_SUPERUSER_USERNAME=postgres PATRONI_SUPERUSER_PASSWORD=x
  PATRONI_REPLICATION_USERNAME=replicator PATRONI_REPLICATION_PASSWORD=y PATRONI_POSTGRESQL_CONNECT_ADDRESS=patroni-0.patroni-headless:5432
  "PATRONI_RESTAPI_CONNECT_ADDRESS=$POD_ADDR:8008")
POD_OPTS=(--mount "$T/shipped/patroni:/opt/refarch" --mount "$T/tls:/etc/postgresql-tls")
check "patroni.yml as the construct renders it (TLS, synchronous) passes patroni --validate-config (every member but 0)" \
  pod_run "$PATRONI" 999 "$(data_dir patroni-validate)" patroni --validate-config /opt/refarch/patroni.yml
check "… and with bootstrap.yml, the folder member 0 reads, too" \
  pod_run "$PATRONI" 999 "$(data_dir patroni-validate-0)" patroni --validate-config /opt/refarch
# What Patroni makes of them: only member 0's configuration can create a cluster.
has_bootstrap() { # CONFIG: prints yes or no
  pod_run "$PATRONI" 999 "" python3 -c 'import sys; from patroni.config import Config; print("yes" if Config(sys.argv[1], validator=None).get("bootstrap") else "no")' "$1"
}
check "… Patroni reads a bootstrap section from member 0's folder only" \
  equals 'yes|no' "$(has_bootstrap /opt/refarch)|$(has_bootstrap /opt/refarch/patroni.yml)"

# ---- ready.sh (the readiness probe) against a stand-in for Patroni's REST API on 127.0.0.1:8008
mkdir -p "$T/fake-patroni"
cat >"$T/fake-patroni/serve.py" <<'PY'
import http.server, sys
state = {'readiness': 503, 'unlocked': True}
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith('/set/'):
            _, _, r, u = self.path.split('/')
            state.update(readiness=int(r), unlocked=(u == 'unlocked'))
            code, body = 200, 'ok'
        elif self.path == '/readiness':
            code, body = state['readiness'], '{"state": "running"}'
        elif self.path == '/patroni':
            code, body = 200, '{"state": "running", "role": "replica"%s}' % (', "cluster_unlocked": true' if state['unlocked'] else '')
        else:
            code, body = 404, ''
        self.send_response(code); self.end_headers(); self.wfile.write(body.encode())
    def log_message(self, *a): pass
http.server.HTTPServer(('127.0.0.1', 8008), H).serve_forever()
PY
POD_ENV=() POD_OPTS=(--mount "$T/fake-patroni:/fake")
pod_start fake-patroni "$PATRONI" 999 "" python3 /fake/serve.py
within 20 bash -c 'exec 3<>/dev/tcp/127.0.0.1/8008' 2>/dev/null || logs fake-patroni
fake_state() { # READINESS/locked|unlocked: what the stand-in answers from now on
  exec 3<>/dev/tcp/127.0.0.1/8008 && printf 'GET /set/%s HTTP/1.0\r\n\r\n' "$1" >&3 && cat <&3 >/dev/null && exec 3<&-
}
ready_of() { # MEMBER: ready.sh's verdict in MEMBER's pod
  local POD_ENV=("PATRONI_NAME=$1") POD_OPTS=(--mount "$T/shipped/patroni:/opt/refarch")
  if pod_run "$PATRONI" 999 "" bash /opt/refarch/ready.sh 2>/dev/null; then echo ready; else echo not; fi
}
fake_state 200/locked
check "ready.sh: ready when Patroni's /readiness answers 200 (any member)" equals 'ready|ready' "$(ready_of patroni-0)|$(ready_of patroni-2)"
fake_state 503/locked
check "… not ready on 503 while the cluster has a leader" equals 'not|not' "$(ready_of patroni-0)|$(ready_of patroni-1)"
fake_state 503/unlocked
check "… with no leader at all: members but 0 are ready (they wait for member 0), member 0 is not" \
  equals 'not|ready|ready' "$(ready_of patroni-0)|$(ready_of patroni-1)|$(ready_of patroni-10)"
stop fake-patroni
check "… not ready when Patroni does not answer" equals not "$(ready_of patroni-1)"

# ---- takeover: a single instance of the official image, then the role setup patroni.sh runs first
TAKEOVER=$(data_dir takeover)
POD_ENV=(POSTGRES_PASSWORD_FILE=/etc/secrets/password POSTGRES_USER=guestbook POSTGRES_DB=guestbook PGDATA=/var/lib/postgresql/data/pgdata PGPORT=6020)
POD_OPTS=(--mount "$T/secrets:/etc/secrets")
pod_start takeover "$PATRONI" 999 "$TAKEOVER" docker-entrypoint.sh postgres
within 90 ready 6020 || logs takeover
POD_ENV=(PGPASSWORD=app-password)
psql_tcp 6020 'dbname=guestbook user=guestbook sslmode=disable' "CREATE TABLE entries (message text); INSERT INTO entries VALUES ('from the single instance')" >/dev/null
stop takeover
adopt() { # [ENV=VALUE...]: lib.sh's refarch_adopt_database in a member pod, as patroni.sh runs it
  local POD_ENV=(PGDATA=/var/lib/postgresql/data/pgdata PATRONI_SUPERUSER_USERNAME=postgres PATRONI_SUPERUSER_PASSWORD=superuser-pass
    PATRONI_REPLICATION_USERNAME=replicator "PATRONI_REPLICATION_PASSWORD=repl-pass:with'quote\\" "$@")
  local POD_OPTS=(--mount "$T/shipped/patroni:/opt/refarch")
  pod_run "$PATRONI" 999 "$TAKEOVER" bash -c '. /opt/refarch/lib.sh && refarch_adopt_database'
}
check "the role setup runs on the single instance's data (single-user mode, no server)" adopt
POD_ENV=(POSTGRES_PASSWORD_FILE=/etc/secrets/password PGDATA=/var/lib/postgresql/data/pgdata PGPORT=6020)
POD_OPTS=(--mount "$T/secrets:/etc/secrets")
pod_start takeover "$PATRONI" 999 "$TAKEOVER" docker-entrypoint.sh postgres
within 60 ready 6020 || logs takeover
POD_ENV=(PGPASSWORD=superuser-pass)
check "… Patroni's superuser postgres logs in with its password and is a superuser; the data is there" \
  equals 't|from the single instance' "$(psql_tcp 6020 'dbname=guestbook user=postgres sslmode=disable' "SELECT rolsuper, (SELECT message FROM entries) FROM pg_roles WHERE rolname = current_user")"
replication_login() {
  local POD_ENV=("PGPASSWORD=repl-pass:with'quote\\")
  psql_tcp 6020 'dbname=guestbook user=replicator sslmode=disable replication=database' 'IDENTIFY_SYSTEM' | grep -q '|'
}
check "… the replication role (a password with : ' and \\) opens a replication connection" replication_login
stop takeover
touch "$TAKEOVER/pgdata/postgresql.base.conf"; chown 999:999 "$TAKEOVER/pgdata/postgresql.base.conf"
check "a data directory Patroni already manages is left alone (another superuser password is not applied)" adopt PATRONI_SUPERUSER_PASSWORD=other
rm "$TAKEOVER/pgdata/postgresql.base.conf"
POD_ENV=(POSTGRES_PASSWORD_FILE=/etc/secrets/password PGDATA=/var/lib/postgresql/data/pgdata PGPORT=6020) POD_OPTS=(--mount "$T/secrets:/etc/secrets")
pod_start takeover "$PATRONI" 999 "$TAKEOVER" docker-entrypoint.sh postgres
within 60 ready 6020 || logs takeover
POD_ENV=(PGPASSWORD=superuser-pass)
check "… (the first password still works)" equals 1 "$(psql_tcp 6020 'dbname=postgres user=postgres sslmode=disable' 'SELECT 1')"
stop takeover

# ---- a new cluster: Patroni's initdb makes superuser postgres, then post-bootstrap.sh
FRESH=$(data_dir post-bootstrap)
POD_ENV=(POSTGRES_PASSWORD_FILE=/etc/secrets/superuser-password POSTGRES_USER=postgres PGDATA=/var/lib/postgresql/data/pgdata PGPORT=6021)
POD_OPTS=(--mount "$T/secrets:/etc/secrets")
pod_start fresh "$PATRONI" 999 "$FRESH" docker-entrypoint.sh postgres
within 90 ready 6021 || logs fresh
POD_ENV=(POSTGRES_USER=guestbook POSTGRES_DB=guestbook POSTGRES_PASSWORD_FILE=/etc/secrets/password PGPASSWORD=superuser-pass)
POD_OPTS=(--mount "$T/secrets:/etc/secrets" --mount "$T/shipped/patroni:/opt/refarch")
check "post-bootstrap.sh creates the application's role and database" \
  pod_run "$PATRONI" 999 "" bash /opt/refarch/post-bootstrap.sh "host=$POD_ADDR port=6021 user=postgres dbname=postgres sslmode=disable"
POD_ENV=(PGPASSWORD=app-password)
psql_tcp 6021 'dbname=guestbook user=guestbook sslmode=disable' 'CREATE TABLE t (x int); INSERT INTO t VALUES (1)' >/dev/null || true
check "… the app logs in, owns its database, is no superuser and can create tables" \
  equals 'f|guestbook|1' "$(psql_tcp 6021 'dbname=guestbook user=guestbook sslmode=disable' "SELECT r.rolsuper, pg_get_userbyid(d.datdba), (SELECT count(*) FROM t) FROM pg_roles r, pg_database d WHERE r.rolname = current_user AND d.datname = current_database()")"
stop fresh
POD_ENV=() POD_OPTS=()
