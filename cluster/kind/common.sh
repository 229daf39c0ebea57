# shellcheck shell=bash disable=SC2034
# Settings and helpers of the multi-node kind cluster (cluster/kind/). Sourced, not run.
# Everything of a running kind cluster lives in its own state dir, apart from the API
# servers of cluster/apiserver-only.sh (/var/lib/refarch-cluster-apiserver-1.<minor>).
export REFARCH_STATE_DIR=${REFARCH_KIND_STATE_DIR:-/var/lib/refarch-kind}
# shellcheck source=../lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/lib.sh"
KIND_DIR=$CLUSTER_DIR/kind

KIND_BIN=$REFARCH_CACHE/kind-$KIND_VERSION/bin
KUBEADM_BIN=$REFARCH_CACHE/kubeadm-$K8S_VERSION/bin
METRICS_SERVER_BIN=$REFARCH_CACHE/metrics-server-$METRICS_SERVER_VERSION/bin
METALLB_BIN=$REFARCH_CACHE/metallb-$METALLB_VERSION/bin
KIND_CLUSTER=${REFARCH_KIND_CLUSTER:-refarch}
# The node image is assembled here (node-image.sh), never pulled or built by `kind build`.
KIND_NODE_IMAGE=refarch.local/kind-node:$K8S_VERSION
KIND_NODE_BASE_IMAGE=refarch.local/kind-node-base:bookworm

# Network plan, all inside 198.18.0.0/15:
#   pods 198.18.0.0/16 (a /24 per node), Services 198.19.0.0/18 (kube-dns 198.19.0.10),
#   docker0 198.19.128.0/24, docker's address pools 198.19.192.0/18,
#   the kind network 198.19.100.0/24 on bridge rfa-kind0 (nodes 198.19.100.2-4): docker
#   hands out only 198.19.100.0/25 of it (KIND_IP_RANGE); 198.19.100.224/28 (KIND_LB_RANGE)
#   is MetalLB's pool for LoadBalancer Services, announced on that layer-2 segment by ARP.
KIND_NETWORK=kind
KIND_BRIDGE=rfa-kind0
KIND_SUBNET=198.19.100.0/24
KIND_GATEWAY=198.19.100.1
KIND_IP_RANGE=198.19.100.0/25
KIND_LB_RANGE=198.19.100.224/28
KIND_POD_SUBNET=198.18.0.0/16
KIND_SERVICE_SUBNET=198.19.0.0/18
DOCKER_BRIDGE=docker0
DOCKER_BIP=198.19.128.1/24
DOCKER_STATE=$STATE/docker
# Any accidental pull goes to this closed loopback port and fails at once.
LOOPBACK_PROXY=http://127.0.0.1:9

CLUSTER_LOCK=${REFARCH_CLUSTER_LOCK:-/tmp/refarch-cluster.lock}

docker_() { docker --host "unix:///var/run/docker.sock" "$@"; }
# kind itself only talks to dockerd's socket. No proxy variables are passed: kind would
# copy them into every node's environment; the nodes' containerd has its own loopback
# proxy instead (node/containerd-proxy.conf).
kind_() { env -u HTTP_PROXY -u HTTPS_PROXY -u NO_PROXY -u http_proxy -u https_proxy -u no_proxy "$KIND_BIN/kind" "$@"; }
