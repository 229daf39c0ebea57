#!/usr/bin/env bash
# Vendors the Gateway API CRDs (standard channel) from the sigs.k8s.io/gateway-api Go
# module pinned as GATEWAY_API_VERSION in cluster/versions.env, into
# schemas/gateway-api/<version>/: the CRD YAML exactly as the module ships it
# (config/crd/standard/*.yaml), the module's LICENSE (Apache-2.0, which asks that copies
# keep it), and SHA256SUMS. Everything that needs these kinds reads this copy, offline:
# `npm run import` (imports/gateway.networking.k8s.io.ts), `npm run check:schema`, the
# server-side dry runs in schemas/, and the kind cluster (cluster/kind/up.sh installs them).
#
#   schemas/gateway-api/vendor.sh          # after changing GATEWAY_API_VERSION
#   schemas/gateway-api/vendor.sh --check  # the copy matches the module (needs the module proxy)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# shellcheck source=../../cluster/versions.env
. cluster/versions.env
: "${GATEWAY_API_VERSION:?not set in cluster/versions.env}"
dest=schemas/gateway-api/$GATEWAY_API_VERSION
export GOTOOLCHAIN=local GOFLAGS=-mod=mod
dir=$(go mod download -json "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
[ -d "$dir/config/crd/standard" ] || { echo "vendor.sh: no config/crd/standard in $dir" >&2; exit 1; }
if [ "${1:-}" = --check ]; then
  (cd "$dir/config/crd/standard" && sha256sum ./*.yaml) | sed 's| \./| |' | diff - <(grep -v LICENSE "$dest/SHA256SUMS" | sed 's| crds/| |') \
    && echo "vendor.sh: $dest matches sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION"
  exit
fi
rm -rf "$dest"
mkdir -p "$dest/crds"
cp "$dir"/config/crd/standard/*.yaml "$dest/crds/"
cp "$dir/LICENSE" "$dest/LICENSE"
chmod 0644 "$dest"/crds/*.yaml "$dest/LICENSE"
(cd "$dest" && sha256sum LICENSE crds/*.yaml > SHA256SUMS)
echo "vendor.sh: $(find "$dest/crds" -mindepth 1 -maxdepth 1 | wc -l) files of sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION in $dest"
