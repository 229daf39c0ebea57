#!/usr/bin/env bash
# npm run test:data-scripts: PostgreSQL 17 as the pods run it. Builds (or takes from the
# cache) the local images refarch.local/postgresql:17-trixie and its Patroni variant
# (cluster/images.sh), extracts their root filesystems, and runs every server and client
# the way a container runtime runs a database pod (pod-exec.sh: read-only root, emptyDirs,
# uid 999, the image's environment), in a network namespace of its own that has only
# loopback. Sections (each a file next to this one):
#   contract.sh  the official image's documented contract, checked against the local image
#   single.sh    the single instance with TLS (lib/scripts/single.sh, initdb-single.sh)
#   backup.sh    backup.sh and restore.sh against it
#   patroni.sh   the Patroni image; patroni.yml validated by Patroni; a single instance's data
#                taken over (lib.sh's role setup); post-bootstrap.sh on a new cluster
#   roles.sh     every role name and password synth accepts works with the scripts' SQL
#                and the backup's password file; the names it refuses, PostgreSQL refuses
# Patroni itself electing, failing over and rejoining runs on the kind cluster (e2e/prod.ts).
#
# Needs root (mounts, chroot, namespaces). Everything lives in one temporary folder,
# removed at the end; every server started is stopped by its PID.
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=test/data-scripts
[ "$(id -u)" = 0 ] || { echo "data-scripts: run as root (mounts, chroot, a network namespace)"; exit 1; }

if [ -z "${REFARCH_DATA_SCRIPTS_NETNS:-}" ]; then
  # The images, built once and cached by content (the first build debootstraps trixie:
  # a few minutes). Then this script again, in new network and mount namespaces.
  tars=$( (
    # shellcheck source=../../cluster/images.sh
    . cluster/images.sh
    mkdir -p "$IMG_CACHE"
    img_postgresql >&2; echo "$LAST_TAR"
    img_postgresql_patroni >&2; echo "$LAST_TAR"
  ) ) || { echo "data-scripts: building the PostgreSQL images failed"; echo "data-scripts: 0 passed, 1 failed"; exit 1; }
  export REFARCH_DATA_SCRIPTS_NETNS=1 PG_TAR=${tars%%$'\n'*} PATRONI_TAR=${tars##*$'\n'}
  exec unshare --net --mount --propagation private "$0" "$@"
fi
ip link set lo up
# The address clients connect to, as another pod would: connections from 127.0.0.1 match
# the image's "trust" line for local connections (as in the official image), so password
# and TLS rules are checked from here. It exists only in this network namespace.
POD_ADDR=198.18.254.1
ip addr add "$POD_ADDR/32" dev lo

# rootfs_of TAR: the image's layer extracted (once per digest, cached) and its config.
REFARCH_CACHE=${REFARCH_CACHE:-/var/cache/refarch}
rootfs_of() {
  local tar=$1 d
  d=$REFARCH_CACHE/rootfs/$(cut -d: -f2 <"$tar.digest" | cut -c1-16)
  if [ ! -f "$d/.complete" ]; then
    rm -rf "$d"; mkdir -p "$d/root"
    # shellcheck disable=SC2016 # JavaScript
    node -e '
      const { execFileSync } = require("child_process"), fs = require("fs");
      const [tar, dir] = process.argv.slice(1);
      const blob = (digest) => execFileSync("tar", ["-xOf", tar, `blobs/sha256/${digest.replace("sha256:", "")}`], { maxBuffer: 1 << 30 });
      const index = JSON.parse(execFileSync("tar", ["-xOf", tar, "index.json"]));
      const manifest = JSON.parse(blob(index.manifests[0].digest));
      fs.writeFileSync(`${dir}/config.json`, blob(manifest.config.digest));
      fs.writeFileSync(`${dir}/layer`, manifest.layers[0].digest.replace("sha256:", ""));
    ' "$tar" "$d"
    tar -xOf "$tar" "blobs/sha256/$(cat "$d/layer")" | tar -x -C "$d/root" --numeric-owner
    node -e 'for (const e of require(process.argv[1]).config.Env) console.log(e)' "$d/config.json" >"$d/env"
    touch "$d/.complete"
  fi
  # Only the current images' extractions stay.
  for old in "$REFARCH_CACHE"/rootfs/*; do
    [ "$old" = "$d" ] || [ "$old" = "${KEEP_ROOTFS:-}" ] || rm -rf "$old"
  done
  echo "$d"
}
PG=$(rootfs_of "$PG_TAR")
# shellcheck disable=SC2034 # used by the sections
KEEP_ROOTFS=$PG PATRONI=$(rootfs_of "$PATRONI_TAR")

T=$(mktemp -d "${TMPDIR:-/tmp}/refarch-data-scripts.XXXXXX")
chmod 0755 "$T"
declare -A PIDS=()
passed=0 failed=0 runs=0

stop() { # NAME [SIGNAL]: the signal (default SIGINT, the image's STOPSIGNAL) to the pod started as NAME, bounded wait
  local pid=${PIDS[$1]:-}
  [ -n "$pid" ] || return 0
  kill "-${2:-INT}" "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "PIDS[$1]"
}
cleanup() {
  for name in "${!PIDS[@]}"; do stop "$name"; done
  rm -rf "$T"
}
trap cleanup EXIT

ok() { passed=$((passed + 1)); echo "ok - $* [${SECONDS}s]"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $*"; }
fails() { ! "$@"; }
equals() { [ "$2" = "$1" ] || { echo "expected '$1', got '$2'"; return 1; }; }
check() { # DESCRIPTION COMMAND...: passes when the command succeeds
  local what=$1; shift
  if "$@" >"$T/last.out" 2>&1; then ok "$what"; else not_ok "$what"; sed 's/^/    /' "$T/last.out" | tail -20; fi
}
check_fails() { # DESCRIPTION PATTERN COMMAND...: passes when the command fails and prints PATTERN
  local what=$1 pattern=$2; shift 2
  if "$@" >"$T/last.out" 2>&1; then not_ok "$what (it succeeded)"; sed 's/^/    /' "$T/last.out" | tail -5
  elif grep -qE "$pattern" "$T/last.out"; then ok "$what"
  else not_ok "$what (failed, but without /$pattern/)"; sed 's/^/    /' "$T/last.out" | tail -10; fi
}
within() { # SECONDS COMMAND...: retries every 0.2 s
  local end=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do [ "$SECONDS" -lt "$end" ] || return 1; sleep 0.2; done
}
logs() { echo "    --- $1 log"; tail -25 "$T/$1.log" | sed 's/^/    /'; }

# ---- pods. Before each call set POD_ENV (KEY=VALUE...) and POD_OPTS (pod-exec.sh options).
POD_ENV=() POD_OPTS=()
pod_args() { # ROOTFS USER DATA_DIR: the pod-exec.sh arguments of run number $runs (the caller counts)
  local env=$T/env.$runs data=$3
  { cat "$1/env"; printf '%s\n' "${POD_ENV[@]}"; } | grep . >"$env"
  [ -n "$data" ] || { data=$T/empty.$runs; mkdir -p "$data"; chown 999:999 "$data"; }
  printf '%s\0' "$1/root" "$T/run.$runs" "$data" "$2" "$env" "${POD_OPTS[@]}" --
}
pod_start() { # NAME ROOTFS USER DATA_DIR COMMAND...: in the background; PID in PIDS[NAME], output in $T/NAME.log
  local name=$1 args; shift
  runs=$((runs + 1))
  mapfile -d '' args < <(pod_args "$1" "$2" "$3")
  shift 3
  ( exec unshare --mount --propagation private bash "$HERE/pod-exec.sh" "${args[@]}" "$@" ) >>"$T/$name.log" 2>&1 &
  PIDS[$name]=$!
}
pod_run() { # ROOTFS USER DATA_DIR COMMAND...: in the foreground
  local args
  runs=$((runs + 1))
  mapfile -d '' args < <(pod_args "$1" "$2" "$3")
  shift 3
  unshare --mount --propagation private bash "$HERE/pod-exec.sh" "${args[@]}" "$@"
}
data_dir() { # NAME: a data volume, owned by the pods' fsGroup as the kubelet leaves it
  mkdir -p "$T/data/$1"; chown 999:999 "$T/data/$1"; chmod 2775 "$T/data/$1"; echo "$T/data/$1"
}
psql_tcp() { # PORT CONNINFO SQL: over TCP from $POD_ADDR (PGPASSWORD from the caller's POD_ENV)
  local POD_OPTS=(--mount "$T/tls:/etc/postgresql-tls")
  pod_run "$PG" 999 "" psql -X -At -v ON_ERROR_STOP=1 "host=$POD_ADDR port=$1 $2" -c "$3"
}
ready() { # PORT: pg_isready over TCP, as the probes ask
  local POD_ENV=() POD_OPTS=()
  pod_run "$PG" 999 "" pg_isready -q --host=127.0.0.1 --port="$1" --timeout=3
}

# ---- what the constructs ship: the ConfigMaps' files and the single instance's command line
node --import tsx "$HERE/export-scripts.ts" "$T/shipped"
# shellcheck disable=SC2034 # used by single.sh
mapfile -t SINGLE_COMMAND <"$T/shipped/single.command"
mkdir -p "$T/initdb.d" "$T/secrets" "$T/tls"
cp "$T/shipped/single/initdb-single.sh" "$T/initdb.d/10-refarch-tls.sh"
printf 'app-password\n' >"$T/secrets/password"
printf "repl-pass:with'quote\\\\\n" >"$T/secrets/replication-password"
printf 'superuser-pass\n' >"$T/secrets/superuser-password"
# What a Secret volume with defaultMode 0440 and fsGroup 999 gives: root:999, 0440.
chown -R root:999 "$T/secrets" && chmod 0750 "$T/secrets" && chmod 0440 "$T"/secrets/*
chmod -R a+rX "$T/shipped" "$T/initdb.d"

# ---- a CA and a server certificate, as a user would make them
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=refarch test CA' -keyout "$T/ca.key" -out "$T/tls/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj '/CN=localhost' -keyout "$T/tls/tls.key" -out "$T/server.csr" 2>/dev/null
openssl x509 -req -in "$T/server.csr" -CA "$T/tls/ca.crt" -CAkey "$T/ca.key" -CAcreateserial -days 2 \
  -extfile <(printf 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:%s\n' "$POD_ADDR") -out "$T/tls/tls.crt" 2>/dev/null
# What a Secret volume with defaultMode 0640 and fsGroup 999 gives: root:999, 0640.
chown -R root:999 "$T/tls"; chmod 0750 "$T/tls"; chmod 0640 "$T"/tls/*

echo "# images: $(basename "$PG_TAR") $(basename "$PATRONI_TAR"); work dir $T"
for section in contract single backup patroni roles; do
  echo "# ---- $section"
  # shellcheck source=contract.sh
  . "$HERE/$section.sh"
done
echo "data-scripts: $passed passed, $failed failed"
[ "$failed" = 0 ]
