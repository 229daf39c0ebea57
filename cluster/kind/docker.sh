#!/usr/bin/env bash
# Docker engine for the kind cluster, confined to this machine.
#   cluster/kind/docker.sh install   # Debian's docker.io, daemon.json and runc wrapper first (idempotent)
#   cluster/kind/docker.sh start     # dockerd (PID recorded), the `kind` network, guard rules, checks
#   cluster/kind/docker.sh stop      # stops dockerd by PID; removes its bridges and our guard chains
#   cluster/kind/docker.sh check     # the confinement checks only
#
# Confinement (the local cluster network rule, see cluster/README.md):
# - daemon.json puts every address docker hands out inside 198.18.0.0/15, with no
#   masquerade, no ip_forward, no iptables rules of docker's own, no registry mirror,
#   published ports on 127.0.0.1 only (userland proxy) and an unanswered in-range
#   DNS server instead of the host's resolvers.
# - dockerd runs with HTTP(S)_PROXY on a closed loopback port: a pull fails locally.
# - The `kind` network is created here (masquerade off, bridge rfa-kind0) before
#   kind could create it with masquerade forced on.
# - Guard rules (mangle, before everything) drop any packet that would be forwarded
#   between the docker bridges and any other interface, and any packet with a
#   198.18.0.0/15 address leaving through a non-cluster interface.
# - The `kind` network hands out addresses from its lower half only (--ip-range): the
#   upper part holds MetalLB's pool for LoadBalancer Services (KIND_LB_RANGE).
# - `check` fails on a MASQUERADE/SNAT rule that is not confined to the range, on a
#   dockerd listener on a non-loopback address, on a default route via a bridge, and
#   (with the cluster up) on a LoadBalancer address outside KIND_LB_RANGE.
set -euo pipefail
SCRIPT_NAME=${SCRIPT_NAME:-docker}
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
need_root

DOCKER_RUN=$STATE/run
WRAPPER=/usr/local/libexec/refarch/runc-nosysresource

install_docker() {
  step "docker.io from Debian: daemon.json, policy-rc.d and the runc wrapper first"
  mkdir -p /etc/docker "$(dirname "$WRAPPER")"
  install -m 0644 "$KIND_DIR/daemon.json" /etc/docker/daemon.json
  install -m 0755 "$KIND_DIR/runc-nosysresource.sh" "$WRAPPER"
  # The package's maintainer scripts must not start dockerd with its defaults.
  if [ ! -e /usr/sbin/policy-rc.d ] || ! grep -q 'exit 101' /usr/sbin/policy-rc.d; then
    printf '#!/bin/sh\n# refarch: package scripts never start services\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
  fi
  APT_PACKAGES=(docker.io jq iptables iproute2)
  ensure_apt_packages
  info "dockerd $(dockerd --version | awk '{print $3}' | tr -d ,) installed (not started)"
}

dockerd_running() { daemon_running dockerd; }

guard_rules() {
  local b
  iptables -t mangle -N REFARCH-KIND-FWD 2>/dev/null || iptables -t mangle -F REFARCH-KIND-FWD
  for b in "$KIND_BRIDGE" "$DOCKER_BRIDGE"; do
    # same-bridge traffic (node to node, with br_netfilter) is fine; anything routed in or out is not
    iptables -t mangle -A REFARCH-KIND-FWD -i "$b" -o "$b" -j RETURN
    iptables -t mangle -A REFARCH-KIND-FWD -i "$b" -j DROP
    iptables -t mangle -A REFARCH-KIND-FWD -o "$b" -j DROP
  done
  iptables -t mangle -C FORWARD -j REFARCH-KIND-FWD 2>/dev/null || iptables -t mangle -I FORWARD 1 -j REFARCH-KIND-FWD
  iptables -t mangle -N REFARCH-KIND-OUT 2>/dev/null || iptables -t mangle -F REFARCH-KIND-OUT
  iptables -t mangle -A REFARCH-KIND-OUT -o lo -j RETURN
  for b in "$KIND_BRIDGE" "$DOCKER_BRIDGE"; do iptables -t mangle -A REFARCH-KIND-OUT -o "$b" -j RETURN; done
  iptables -t mangle -A REFARCH-KIND-OUT -s "$CLUSTER_RANGE" -j DROP
  iptables -t mangle -A REFARCH-KIND-OUT -d "$CLUSTER_RANGE" -j DROP
  iptables -t mangle -C POSTROUTING -j REFARCH-KIND-OUT 2>/dev/null || iptables -t mangle -I POSTROUTING 1 -j REFARCH-KIND-OUT
}

start_docker() {
  step "dockerd (HTTP(S)_PROXY=$LOOPBACK_PROXY, runtime refarch-runc, addresses in $CLUSTER_RANGE)"
  command -v dockerd >/dev/null || install_docker
  cmp -s "$KIND_DIR/daemon.json" /etc/docker/daemon.json || install -m 0644 "$KIND_DIR/daemon.json" /etc/docker/daemon.json
  cmp -s "$KIND_DIR/runc-nosysresource.sh" "$WRAPPER" || install -m 0755 "$KIND_DIR/runc-nosysresource.sh" "$WRAPPER"
  mkdir -p "$DOCKER_RUN" "$LOG_DIR"
  if dockerd_running; then
    info "dockerd already running (pid $(cat "$DOCKER_RUN/dockerd.pid"))"
  else
    [ -S /var/run/docker.sock ] && docker_ info >/dev/null 2>&1 && die "a dockerd that this script did not start is running; stop it first"
    (
      export HTTP_PROXY=$LOOPBACK_PROXY HTTPS_PROXY=$LOOPBACK_PROXY NO_PROXY='' http_proxy=$LOOPBACK_PROXY https_proxy=$LOOPBACK_PROXY no_proxy=''
      start_daemon dockerd "$(command -v dockerd)" --config-file /etc/docker/daemon.json
    )
    wait_until "dockerd socket" 60 docker_ info || { tail -20 "$LOG_DIR/dockerd.log"; die "dockerd did not start"; }
    info "dockerd $(docker_ version -f '{{.Server.Version}}') up (pid $(cat "$DOCKER_RUN/dockerd.pid")), runtime $(docker_ info -f '{{.DefaultRuntime}}')"
  fi
  # A network of an earlier version (without the ip-range) is recreated while nothing uses it.
  if docker_ network inspect "$KIND_NETWORK" >/dev/null 2>&1 &&
    [ "$(docker_ network inspect "$KIND_NETWORK" -f '{{(index .IPAM.Config 0).IPRange}}')" != "$KIND_IP_RANGE" ]; then
    [ "$(docker_ network inspect "$KIND_NETWORK" -f '{{len .Containers}}')" = 0 ] ||
      die "network $KIND_NETWORK lacks --ip-range $KIND_IP_RANGE and has containers: delete the cluster first (cluster/kind/down.sh)"
    docker_ network rm "$KIND_NETWORK" >/dev/null
    info "network $KIND_NETWORK removed to recreate it with --ip-range $KIND_IP_RANGE"
  fi
  if ! docker_ network inspect "$KIND_NETWORK" >/dev/null 2>&1; then
    docker_ network create --driver bridge --subnet "$KIND_SUBNET" --ip-range "$KIND_IP_RANGE" --gateway "$KIND_GATEWAY" \
      -o com.docker.network.bridge.name="$KIND_BRIDGE" \
      -o com.docker.network.bridge.enable_ip_masquerade=false \
      -o com.docker.network.bridge.host_binding_ipv4=127.0.0.1 \
      -o com.docker.network.driver.mtu=1500 "$KIND_NETWORK" >/dev/null
    info "network $KIND_NETWORK created: $KIND_SUBNET on $KIND_BRIDGE (containers from $KIND_IP_RANGE), masquerade off"
  fi
  [ "$(docker_ network inspect "$KIND_NETWORK" -f '{{index .Options "com.docker.network.bridge.enable_ip_masquerade"}}')" = false ] ||
    die "network $KIND_NETWORK exists with masquerade on; remove it (docker network rm $KIND_NETWORK)"
  guard_rules
  check_docker
}

check_docker() {
  step "confinement checks (iptables-save, ip route, ss -ltnp)"
  local bad
  # 1) no NAT to the outside: every MASQUERADE/SNAT rule must be confined to the range
  bad=$(iptables-save -t nat 2>/dev/null | grep -E -- '-j (MASQUERADE|SNAT)' |
    grep -v -E -- "-d ($CLUSTER_RANGE|198\.1[89]\.[0-9.]+/[0-9]+)|-o $KIND_BRIDGE|-o $DOCKER_BRIDGE" || true)
  [ -z "$bad" ] || { echo "$bad"; die "NAT rules that could reach outside the range (see above)"; }
  # 2) routes: the docker bridges carry only their own subnets, never a default route
  bad=$(ip route show | grep -E "dev ($KIND_BRIDGE|$DOCKER_BRIDGE)" | grep -v -E '^198\.1[89]\.' || true)
  [ -z "$bad" ] || { echo "$bad"; die "unexpected routes via the docker bridges"; }
  [ "$(cat /proc/sys/net/ipv4/ip_forward)" = 0 ] || warn "net.ipv4.ip_forward is 1 on the host (the guard rules still drop forwarded cluster traffic)"
  # 3) listeners: dockerd and its proxies only on loopback
  local pid line addr
  bad=""
  while read -r line; do
    addr=$(awk '{print $5}' <<<"$line") # netid state recv-q send-q LOCAL peer process
    while read -r pid; do
      case $(readlink -f "/proc/$pid/exe" 2>/dev/null) in
        */dockerd | */docker-proxy | */containerd | */kind) case $addr in 127.* | "[::1]:"*) ;; *) bad+="  $line"$'\n' ;; esac ;;
      esac
    done < <(grep -o 'pid=[0-9]*' <<<"$line" | cut -d= -f2)
  done < <(ss -H -ltnup 2>/dev/null)
  [ -z "$bad" ] || { printf '%s' "$bad"; die "docker listeners on non-loopback addresses"; }
  info "no NAT to the outside, bridges carry only 198.18.0.0/15 routes, docker listens only on 127.0.0.1"
  # 4) with the cluster up: every LoadBalancer address is MetalLB's, from KIND_LB_RANGE (inside
  #    the kind network, so it is announced on rfa-kind0 only), and the pool is that range
  if [ -f "$KUBECONFIG_FILE" ] && kc get --raw /readyz >/dev/null 2>&1; then
    local ip pools n=0
    pools=$(kc get ipaddresspools.metallb.io -A -o jsonpath='{range .items[*]}{.spec.addresses[*]}{"\n"}{end}' 2>/dev/null || true)
    [ -z "$pools" ] || [ "$pools" = "$KIND_LB_RANGE" ] || die "MetalLB pools $(echo "$pools" | tr '\n' ' ')differ from $KIND_LB_RANGE"
    for ip in $(kc get services -A -o jsonpath='{range .items[*]}{.status.loadBalancer.ingress[*].ip}{" "}{end}'); do
      ip_in_cidr "$ip" "$KIND_LB_RANGE" || die "LoadBalancer address $ip is outside $KIND_LB_RANGE"
      n=$((n + 1))
    done
    info "LoadBalancer addresses: $n, all in $KIND_LB_RANGE${pools:+ (MetalLB pool $pools)}"
  fi
}

# ip_in_cidr IP CIDR (IPv4)
ip_in_cidr() {
  local ip=$1 net=${2%/*} bits=${2#*/} a b c d x y
  IFS=. read -r a b c d <<<"$ip"; x=$(((a << 24) + (b << 16) + (c << 8) + d))
  IFS=. read -r a b c d <<<"$net"; y=$(((a << 24) + (b << 16) + (c << 8) + d))
  [ $(((x ^ y) >> (32 - bits))) = 0 ]
}

stop_docker() {
  step "stopping dockerd by recorded PID; removing its bridges and our guard chains"
  if dockerd_running; then
    # containers first, so their shims and docker-proxies go with them
    local ids
    mapfile -t ids < <(docker_ ps -aq 2>/dev/null || true)
    [ ${#ids[@]} -eq 0 ] || docker_ rm -f "${ids[@]}" >/dev/null 2>&1 || true
    stop_daemon dockerd 30
  else
    rm -f "$DOCKER_RUN/dockerd.pid" "$DOCKER_RUN/dockerd.exe"
  fi
  local b
  for b in "$KIND_BRIDGE" "$DOCKER_BRIDGE" $(ip -o link show type bridge 2>/dev/null | awk -F': ' '{print $2}' | grep -E '^br-[0-9a-f]{12}$' || true); do
    ip link show "$b" >/dev/null 2>&1 && ip link delete "$b" 2>/dev/null && info "removed bridge $b"
  done
  local t c
  for c in FORWARD:REFARCH-KIND-FWD POSTROUTING:REFARCH-KIND-OUT; do
    while iptables -t mangle -D "${c%%:*}" -j "${c#*:}" 2>/dev/null; do :; done
    iptables -t mangle -F "${c#*:}" 2>/dev/null || true
    iptables -t mangle -X "${c#*:}" 2>/dev/null || true
  done
  # docker's own chains (it creates none with "iptables": false; removed in case an older config did)
  for t in filter nat; do
    for c in DOCKER DOCKER-ISOLATION-STAGE-1 DOCKER-ISOLATION-STAGE-2 DOCKER-USER; do
      iptables -t "$t" -S "$c" >/dev/null 2>&1 || continue
      iptables -t "$t" -S | grep -E -- "-j $c( |$)" | sed 's/^-A /-D /' | while read -r r; do eval "iptables -t $t $r" || true; done
      iptables -t "$t" -F "$c" 2>/dev/null || true; iptables -t "$t" -X "$c" 2>/dev/null || true
    done
  done
  info "dockerd stopped, bridges and chains removed"
}

case ${1:-} in
  install) install_docker ;;
  start) start_docker ;;
  stop) stop_docker ;;
  check) check_docker ;;
  *) echo "usage: $0 install|start|stop|check" >&2; exit 2 ;;
esac
