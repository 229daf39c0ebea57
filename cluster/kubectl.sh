#!/usr/bin/env bash
# kubectl (the cluster's own $K8S_VERSION build) with the cluster's admin kubeconfig.
#   cluster/kubectl.sh get pods -A
set -euo pipefail
SCRIPT_NAME=kubectl
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ -x "$K8S_BIN/kubectl" ] || die "kubectl is not built yet: run cluster/build.sh k8s"
exec "$K8S_BIN/kubectl" --kubeconfig "${KUBECONFIG_OVERRIDE:-$KUBECONFIG_FILE}" "$@"
