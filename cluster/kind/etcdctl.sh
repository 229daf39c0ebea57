#!/usr/bin/env bash
# etcdctl inside the kind cluster's etcd pod (the etcd image carries etcdctl), with the
# client certificate kubeadm made, to read raw stored data: for example, that Secrets are
# encrypted at rest (cluster/kind/up.sh gives the API server an EncryptionConfiguration):
#   cluster/kind/etcdctl.sh get /registry/secrets/<namespace>/<name> --print-value-only | head -c 40
# An encrypted value starts with "k8s:enc:secretbox:v1:key1:"; a plain one would be a
# protobuf starting with "k8s\0".
set -euo pipefail
SCRIPT_NAME=kind-etcdctl
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[ -f "$KUBECONFIG_FILE" ] || die "no kind cluster is up ($KUBECONFIG_FILE missing): npm run cluster:kind:up"
pki=/etc/kubernetes/pki/etcd
exec "$K8S_BIN/kubectl" --kubeconfig "$KUBECONFIG_FILE" -n kube-system exec "etcd-$KIND_CLUSTER-control-plane" -- \
  etcdctl --endpoints=https://127.0.0.1:2379 --cacert="$pki/ca.crt" --cert="$pki/healthcheck-client.crt" \
  --key="$pki/healthcheck-client.key" --command-timeout=5s "$@"
