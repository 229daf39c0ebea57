#!/usr/bin/env bash
# npm run e2e:local: bring up the local cluster (cluster/up.sh), run the end-to-end
# suite against it with the locally built images, and tear the cluster down again,
# also when something fails. Exit status: the suite's (or up.sh's).
set -uo pipefail
cd "$(dirname "$0")/.."
SCRIPT_NAME=e2e-local
# shellcheck source=../cluster/lib.sh
. cluster/lib.sh

T_UP=$SECONDS
bash cluster/up.sh || exit 1          # up.sh cleans up after itself on failure
trap 'bash cluster/down.sh' EXIT
UP_SECONDS=$((SECONDS - T_UP))

export KUBECONFIG=$KUBECONFIG_FILE
export PATH=$K8S_BIN:$PATH
export E2E_WEB_IMAGE=$GUESTBOOK_IMAGE_REPO:$(sed -n 's/.*org\.opencontainers\.image\.version="\([^"]*\)".*/\1/p' app/Dockerfile | head -1)
export E2E_DB_IMAGE=$POSTGRES_IMAGE
export E2E_DB_PATRONI_IMAGE=$POSTGRES_PATRONI_IMAGE
export E2E_CLIENT_IMAGE=$NETCHECK_IMAGE
# other_tag REF PATTERN: another reference of the image REF (same digest) whose tag
# matches PATTERN; cluster/images.sh tags each image twice for the upgrade check.
other_tag() {
  ctr -a "$CONTAINERD_SOCK" -n k8s.io images ls 2>/dev/null |
    awk -v ref="$1" -v pat="$2" 'NR > 1 {d[$1] = $3} END {for (r in d) if (r != ref && d[r] == d[ref] && r ~ pat) {print r; exit}}'
}
E2E_WEB_IMAGE_NEXT=$(other_tag "$E2E_WEB_IMAGE" ":sha-[0-9a-f]+$")
# (the suite's data tier runs the Patroni image: the upgrade goes to its second tag)
E2E_DB_IMAGE_NEXT=$(other_tag "$E2E_DB_PATRONI_IMAGE" ":[0-9]")
export E2E_WEB_IMAGE_NEXT E2E_DB_IMAGE_NEXT
export E2E_INGRESS_ADDR=127.0.0.1:80
export E2E_ETCD_GET="bash cluster/etcdctl.sh get --print-value-only"
export E2E_REPORT=${E2E_REPORT:-${TMPDIR:-/tmp}/refarch-e2e-report.json}
echo "cluster up in ${UP_SECONDS}s; running the suite"
node --import tsx e2e/suite.ts
rc=$?
[ -f "$E2E_REPORT" ] && echo "e2e timings: cluster up ${UP_SECONDS}s; $(node -e 'console.log(JSON.stringify(require(process.argv[1]).timings))' "$E2E_REPORT")"
exit $rc
