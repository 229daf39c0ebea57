#!/usr/bin/env bash
# npm run e2e: the end-to-end suite against the cluster KUBECONFIG points at
# (kind, minikube or the local cluster). See e2e/README.md for its settings.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v kubectl >/dev/null || { echo "kubectl not found on PATH (the local cluster puts one in its cache; see cluster/README.md)"; exit 2; }
exec node --import tsx e2e/suite.ts "$@"
