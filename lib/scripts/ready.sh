#!/bin/bash
# Readiness of a Patroni member (the pods' exec probe). Ready when Patroni's /readiness
# answers 200: the leader, or a replica that streams without lag. A member that cannot
# create a cluster (every member but <name>-0: only member 0's configuration has Patroni's
# bootstrap section) is also ready while the cluster has no leader at all, because it
# waits for member 0: when a single instance becomes Patroni's member 0 in the same
# rollout that adds members, the StatefulSet (OrderedReady) starts the new members first
# and converts pod 0 only once they are Ready (docs/data-tier.md, "Upgrades").
set -euo pipefail
: "${PATRONI_NAME:?}"

# One HTTP/1.0 request to this member's REST API; prints the whole response.
patroni_get() {
  exec 3<>"/dev/tcp/127.0.0.1/${PATRONI_RESTAPI_PORT:-8008}"
  printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$1" >&3
  cat <&3
  exec 3<&-
}

response=$(patroni_get /readiness)
case $response in
  "HTTP/1."?" 200 "*) exit 0 ;;
esac
if [[ ${PATRONI_NAME##*-} != 0 && $(patroni_get /patroni) == *'"cluster_unlocked": true'* ]]; then
  exit 0
fi
echo "not ready: ${response%%$'\r'*}" >&2
exit 1
