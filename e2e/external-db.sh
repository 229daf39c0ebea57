#!/usr/bin/env bash
# A PostgreSQL server outside the kind cluster, for the external-database stage
# (e2e/external.ts, E2E_EXTERNAL_DB): a container of the cluster's own PostgreSQL image
# (refarch.local/postgresql, the official image's contract) on the docker network `kind`
# with a fixed address above the range docker hands out (the nodes) and below MetalLB's
# pool, published on no host port, reachable only from that network. Its TLS certificate
# and password come from a folder the stage writes; it accepts TLS connections only.
#   e2e/external-db.sh start DIR     # DIR: password, server.crt, server.key, ca.crt; prints the address
#   e2e/external-db.sh psql SQL...   # runs SQL as the superuser over the server's own socket
#   e2e/external-db.sh try CONNINFO  # connects over TCP from the server's container with CONNINFO (TLS checks)
#   e2e/external-db.sh route CIDR VIA [CIDR VIA ...]  # routes to the pod ranges through their nodes
#   e2e/external-db.sh decoy         # a second listener on another address, same port (the egress check's target)
#   e2e/external-db.sh stop          # removes both containers, by the IDs recorded at start
# Containers are named and removed only by the IDs this script recorded in its state dir.
# Pods keep their own addresses on the way out (kube-router does not masquerade traffic to
# the node network), so the server needs a route back to each node's pod range, as a cloud
# network routes VPC-native pod addresses: `route` sets them in the containers' network
# namespaces from the host (nsenter), the containers themselves get no NET_ADMIN.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../cluster/kind/common.sh"
# Inside KIND_SUBNET, above KIND_IP_RANGE (docker's pick for the nodes: .0/25), below KIND_LB_RANGE (.224/28).
EXTERNAL_DB_IP=${E2E_EXTERNAL_DB_IP:-198.19.100.200}
DECOY_IP=${E2E_EXTERNAL_DECOY_IP:-198.19.100.201}
PORT=5432
id_file=$STATE/external-db.id
decoy_file=$STATE/external-db-decoy.id
routes_file=$STATE/external-db.routes
action=${1:-}

running() { [ -s "$1" ] && docker_ inspect -f '{{.State.Running}}' "$(cat "$1")" 2>/dev/null | grep -qx true; }
# apply_routes ID_FILE: the recorded routes, in that container's network namespace.
apply_routes() {
  local pid cidr via
  [ -s "$routes_file" ] || return 0
  pid=$(docker_ inspect -f '{{.State.Pid}}' "$(cat "$1")")
  while read -r cidr via; do nsenter -t "$pid" -n ip route replace "$cidr" via "$via"; done <"$routes_file"
}
in_db() { running "$id_file" || { echo "[external-db] not running (start it first)" >&2; exit 1; }; docker_ exec "$(cat "$id_file")" "$@"; }

case $action in
  start)
    dir=${2:?usage: $0 start DIR}
    for f in password server.crt server.key ca.crt; do [ -s "$dir/$f" ] || { echo "[external-db] $dir/$f missing" >&2; exit 2; }; done
    running "$id_file" && { echo "[external-db] already running: $(cat "$id_file")" >&2; exit 1; }
    # PostgreSQL reads its key only when it is the server user's (999) and private.
    cat >"$dir/pg_hba.conf" <<'EOF'
# The server's own socket (the image's entrypoint and this script); TCP only with TLS.
local all all trust
hostssl all all 0.0.0.0/0 scram-sha-256
EOF
    chown 999:999 "$dir"/password "$dir"/server.crt "$dir"/server.key "$dir"/ca.crt "$dir"/pg_hba.conf
    chmod 600 "$dir/server.key" "$dir/password"
    # No -p: nothing published on the host; the only way in is the kind network.
    docker_ run -d --network "$KIND_NETWORK" --ip "$EXTERNAL_DB_IP" --label refarch.e2e=external-db \
      --read-only --tmpfs /var/run/postgresql:uid=999,gid=999,mode=3777 --tmpfs /tmp \
      --tmpfs /var/lib/postgresql/data:uid=999,gid=999,mode=0700 \
      -v "$dir:/etc/refarch-external:ro" \
      -e POSTGRES_USER=guestbook -e POSTGRES_DB=guestbook -e POSTGRES_PASSWORD_FILE=/etc/refarch-external/password \
      "$POSTGRES_IMAGE" postgres -c listen_addresses='*' -c port=$PORT -c ssl=on -c ssl_min_protocol_version=TLSv1.2 \
      -c ssl_cert_file=/etc/refarch-external/server.crt -c ssl_key_file=/etc/refarch-external/server.key \
      -c hba_file=/etc/refarch-external/pg_hba.conf >"$id_file"
    for _ in $(seq 1 60); do
      # Ready when the server (not the entrypoint's initdb server) answers on TCP.
      if in_db pg_isready -q -h "$EXTERNAL_DB_IP" -p $PORT -d guestbook -U guestbook 2>/dev/null; then
        echo "[external-db] PostgreSQL $(in_db psql -X -At -h /var/run/postgresql -U guestbook -d guestbook -c 'SHOW server_version') at $EXTERNAL_DB_IP:$PORT (container $(cut -c1-12 "$id_file"))"
        exit 0
      fi
      sleep 1
    done
    docker_ logs "$(cat "$id_file")" 2>&1 | tail -20 >&2
    echo "[external-db] did not answer within 60 s" >&2; exit 1
    ;;
  psql)
    shift
    in_db psql -X -At -v ON_ERROR_STOP=1 -h /var/run/postgresql -U guestbook -d guestbook -c "$*"
    ;;
  try)
    # Exit status and libpq's message: the caller decides what it proves.
    in_db psql -X -At -c 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()' "${2:?usage: $0 try CONNINFO}"
    ;;
  route)
    shift
    if [ $# -lt 2 ] || [ $(($# % 2)) != 0 ]; then echo "usage: $0 route CIDR VIA [CIDR VIA ...]" >&2; exit 2; fi
    : >"$routes_file"
    while [ $# -ge 2 ]; do
      case $1 in 198.18.*|198.19.*) ;; *) echo "[external-db] $1: only ranges inside 198.18.0.0/15" >&2; exit 2 ;; esac
      echo "$1 $2" >>"$routes_file"; shift 2
    done
    for f in "$id_file" "$decoy_file"; do running "$f" && apply_routes "$f"; done
    echo "[external-db] routes: $(tr '\n' ';' <"$routes_file")"
    ;;
  decoy)
    running "$decoy_file" && { echo "[external-db] decoy already running" >&2; exit 1; }
    docker_ run -d --network "$KIND_NETWORK" --ip "$DECOY_IP" --label refarch.e2e=external-db-decoy --read-only --user 65534:65534 \
      --entrypoint /bin/sh "$BUSYBOX_IMAGE" -c "exec httpd -f -p $PORT" >"$decoy_file"
    sleep 1
    running "$decoy_file" || { docker_ logs "$(cat "$decoy_file")" >&2; echo "[external-db] the decoy exited" >&2; exit 1; }
    apply_routes "$decoy_file"
    echo "[external-db] decoy listener at $DECOY_IP:$PORT (container $(cut -c1-12 "$decoy_file"))"
    ;;
  stop)
    for f in "$id_file" "$decoy_file"; do
      if [ -s "$f" ]; then
        docker_ rm -f -v "$(cat "$f")" >/dev/null 2>&1 || true
        echo "[external-db] removed container $(cut -c1-12 "$f")"
      fi
      rm -f "$f"
    done
    rm -f "$routes_file"
    ;;
  *) echo "usage: $0 start DIR | psql SQL | try CONNINFO | route CIDR VIA... | decoy | stop" >&2; exit 2 ;;
esac
