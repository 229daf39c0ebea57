#!/usr/bin/env bash
# etcdctl against the local cluster's etcd (127.0.0.1:2379), to read raw
# stored data, e.g. to show that Secrets are encrypted at rest:
#   cluster/etcdctl.sh get /registry/secrets/<namespace>/<name> --print-value-only | head -c 64
# An encrypted value starts with "k8s:enc:secretbox:v1:key1:"; a plain one
# would be a protobuf starting with "k8s\0". Override the endpoint with
# REFARCH_ETCD_ENDPOINT (e.g. for cluster/apiserver-only.sh: 127.0.0.1:23027).
set -euo pipefail
SCRIPT_NAME=etcdctl
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ -x "$ETCD_BIN/etcdctl" ] || die "etcdctl is not built yet: run cluster/build.sh etcd"
exec "$ETCD_BIN/etcdctl" --endpoints "http://${REFARCH_ETCD_ENDPOINT:-127.0.0.1:2379}" --command-timeout=5s "$@"
