#!/usr/bin/env bash
# npm run e2e:kind: the multi-node kind cluster (cluster/kind/up.sh), then the dev suite and
# the prod stage, the many-apps stage (e2e/many-apps.ts, applications side by side) and the
# external-database stage (e2e/external.ts) against it with the images loaded by up.sh, then
# cluster/kind/down.sh, also when something fails. Exit status: 1 when any stage failed.
# E2E_KIND_STAGES="dev prod many-apps external" (default) chooses the stages; E2E_OUTPUT_DIR keeps
# the prod stage's report and screenshots (and the external stage's, in its folder external/).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
# shellcheck disable=SC2034 # read by cluster/lib.sh's logging
SCRIPT_NAME=e2e-kind
# shellcheck source=../cluster/kind/common.sh
. cluster/kind/common.sh
# image_tar, guestbook_version
# shellcheck source=../cluster/images.sh
. cluster/images.sh

# The prod stage's browser step: Debian's Chromium (and a font for the screenshot), unless
# E2E_CHROMIUM names another binary. Installed like the cluster's other Debian packages.
case " ${E2E_KIND_STAGES:-dev prod many-apps external} " in
  *" prod "*)
    if [ -z "${E2E_CHROMIUM:-}" ] && ! command -v chromium >/dev/null; then
      need_root
      # shellcheck disable=SC2034 # read by ensure_apt_packages (cluster/lib.sh)
      APT_PACKAGES=(chromium fonts-dejavu-core)
      ensure_apt_packages
    fi ;;
esac

T_UP=$SECONDS
bash cluster/kind/up.sh || exit 1           # up.sh cleans up after itself on failure
trap 'bash cluster/kind/down.sh' EXIT
UP_SECONDS=$((SECONDS - T_UP))
echo "kind cluster up in ${UP_SECONDS}s"

export KUBECONFIG=$KUBECONFIG_FILE
export PATH=$K8S_BIN:$PATH
ver=$(guestbook_version)
digest() { cat "$(image_tar "$1").digest"; }
rc=0
for stage in ${E2E_KIND_STAGES:-dev prod many-apps external}; do
  case $stage in
    dev)
      # The README walkthrough's image name, loaded with `kind load docker-image`; second
      # builds of the web and database images (other digests, made and loaded by up.sh) for
      # the upgrade step; etcd read through the etcd pod for the encryption-at-rest step.
      # shellcheck disable=SC1091 # written by up.sh
      . "$STATE/upgrade-images.env"
      # The data tier runs the Patroni image: its second build is the upgrade's database image.
      E2E_WEB_IMAGE_NEXT=$E2E_WEB_IMAGE_NEXT E2E_DB_IMAGE_NEXT=$E2E_DB_PATRONI_IMAGE_NEXT \
        E2E_ETCD_GET="bash cluster/kind/etcdctl.sh get --print-value-only" \
        E2E_WEB_IMAGE=refarch-guestbook:$ver E2E_DB_IMAGE=$POSTGRES_IMAGE E2E_DB_PATRONI_IMAGE=$POSTGRES_PATRONI_IMAGE E2E_CLIENT_IMAGE=$NETCHECK_IMAGE \
        E2E_SERVICE_TYPES=1 E2E_LB_RANGE=$KIND_LB_RANGE \
        E2E_REPORT=${E2E_REPORT:-${TMPDIR:-/tmp}/refarch-e2e-kind-dev.json} node --import tsx e2e/suite.ts || rc=1 ;;
    prod)
      E2E_PROD_WEB_IMAGE=$GUESTBOOK_IMAGE_REPO:$ver@$(digest guestbook) E2E_PROD_DB_IMAGE=$POSTGRES_PATRONI_IMAGE@$(digest postgresql-patroni) \
        E2E_NODE_LOSS="bash e2e/kind-node.sh lose" E2E_NODE_HEAL="bash e2e/kind-node.sh heal" \
        E2E_NODE_PARTITION="bash e2e/kind-node.sh partition" E2E_NODE_RECONNECT="bash e2e/kind-node.sh reconnect" \
        E2E_NODE_PROBE_WRITES="bash e2e/kind-node.sh probe-writes" \
        node --import tsx e2e/prod.ts || rc=1 ;;
    many-apps)
      # Issue 19: examples/many-apps (two applications in one namespace, a third across two
      # others) with the local guestbook and PostgreSQL images.
      E2E_WEB_IMAGE=refarch-guestbook:$ver E2E_DB_IMAGE=$POSTGRES_IMAGE E2E_CLIENT_IMAGE=$NETCHECK_IMAGE \
        E2E_REPORT=${E2E_REPORT_MANY_APPS:-${TMPDIR:-/tmp}/refarch-e2e-kind-many-apps.json} node --import tsx e2e/many-apps.ts || rc=1 ;;
    external)
      # PostgreSQL outside the cluster: a container on the kind network (e2e/external-db.sh).
      E2E_EXTERNAL_DB="bash e2e/external-db.sh" E2E_WEB_IMAGE=refarch-guestbook:$ver E2E_CLIENT_IMAGE=$NETCHECK_IMAGE \
        E2E_OUTPUT_DIR=${E2E_OUTPUT_DIR:+$E2E_OUTPUT_DIR/external} \
        node --import tsx e2e/external.ts || rc=1 ;;
    *) echo "unknown stage $stage (dev, prod, many-apps, external)"; rc=1 ;;
  esac
done
exit $rc
