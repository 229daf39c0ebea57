#!/usr/bin/env bash
# Quick end-to-end check of a running cluster (cluster/up.sh first). It uses its
# own namespace (refarch-smoke, PodSecurity "restricted"), deletes it at the
# end, and only talks to 127.0.0.1 and cluster addresses; every wait is bounded.
#   1. DNS: kubernetes.default.svc.cluster.local from a restricted pod
#   2. storage: a PVC of the default class (standard) binds and is writable
#   3. ingress: Deployment + Service + Ingress (class traefik, host foo.localtest.me)
#      -> curl http://127.0.0.1/ -H 'Host: foo.localtest.me' == 200
#   4. NetworkPolicy: default-deny blocks it (and pod->pod), an allow rule for
#      the traefik namespace lets the ingress through again
#   5. PostgreSQL image: PVC-backed, read-only root fs, pg_isready, password login
#   6. Secret encrypted at rest in etcd
# Prints "N passed, M failed".
set -uo pipefail
SCRIPT_NAME=smoke
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_root
NS=refarch-smoke
PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); echo "  ok   - $*"; }
nok() { FAIL=$((FAIL + 1)); echo "  FAIL - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else nok "$what"; fi; }
retry() { # TRIES CMD...: bounded retry, 2 s apart
  local n=$1 i; shift
  for ((i = 0; i < n; i++)); do "$@" && return 0; sleep 2; done
  return 1
}
ingress_code() {
  curl -s --noproxy '*' -o /dev/null -w '%{http_code}' --max-time 8 -H 'Host: foo.localtest.me' http://127.0.0.1/
}
ingress_is() { [ "$(ingress_code)" = "$1" ]; }
ingress_not_200() { local c; c=$(ingress_code); [ "$c" != 200 ]; }

[ -f "$KUBECONFIG_FILE" ] || die "cluster is not up ($KUBECONFIG_FILE missing)"
kc delete namespace "$NS" --ignore-not-found --wait=true --timeout=60s >/dev/null
step "namespace $NS (pod-security.kubernetes.io/enforce=restricted)"
kc create namespace "$NS" >/dev/null
kc label namespace "$NS" pod-security.kubernetes.io/enforce=restricted >/dev/null

SC='{"runAsNonRoot": true, "runAsUser": 65534, "runAsGroup": 65534, "seccompProfile": {"type": "RuntimeDefault"}}'
CSC='{"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]}}'

kc apply -n "$NS" -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: netcheck, labels: {app: netcheck}}
spec:
  securityContext: $SC
  containers:
  - name: c
    image: $NETCHECK_IMAGE
    imagePullPolicy: Never
    command: [sleep, "3600"]
    securityContext: $CSC
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 64Mi}}
---
apiVersion: v1
kind: Pod
metadata: {name: writer}
spec:
  securityContext: $SC
  containers:
  - name: c
    image: $BUSYBOX_IMAGE
    imagePullPolicy: Never
    command: [sh, -c, "echo hello > /data/hello && sleep 3600"]
    securityContext: $CSC
    volumeMounts: [{name: data, mountPath: /data}]
  volumes:
  - {name: data, persistentVolumeClaim: {claimName: data}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      securityContext: $SC
      containers:
      - name: httpd
        image: $BUSYBOX_IMAGE
        imagePullPolicy: Never
        command: [httpd, -f, -p, "8080", -h, /var/www]
        ports: [{containerPort: 8080}]
        securityContext: $CSC
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  ingressClassName: traefik
  rules:
  - host: foo.localtest.me
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
EOF
step "waiting for the pods"
kc -n "$NS" wait --for=condition=Ready pod/netcheck pod/writer --timeout=120s >/dev/null || true
kc -n "$NS" rollout status deploy/web --timeout=120s >/dev/null || true

step "0. PodSecurity admission"
check "a pod violating 'restricted' is rejected by the API server" \
  sh -c "'$K8S_BIN/kubectl' --kubeconfig '$KUBECONFIG_FILE' -n $NS run psa-violator --image=$BUSYBOX_IMAGE --image-pull-policy=Never --restart=Never -- true 2>&1 | grep -q 'violates PodSecurity'"

step "1. DNS"
check "kubernetes.default.svc.$CLUSTER_DOMAIN resolves to $KUBERNETES_SERVICE_IP in a pod" \
  retry 5 sh -c "'$K8S_BIN/kubectl' --kubeconfig '$KUBECONFIG_FILE' -n $NS exec netcheck -- nslookup kubernetes.default.svc.$CLUSTER_DOMAIN | grep -q '$KUBERNETES_SERVICE_IP'"
check "web.$NS.svc.$CLUSTER_DOMAIN resolves in a pod" \
  retry 5 sh -c "'$K8S_BIN/kubectl' --kubeconfig '$KUBECONFIG_FILE' -n $NS exec netcheck -- nslookup web.$NS.svc.$CLUSTER_DOMAIN | grep -q 'Address: 198.19.'"

step "2. storage"
check "PVC of the default StorageClass is Bound" \
  retry 30 sh -c "[ \"\$('$K8S_BIN/kubectl' --kubeconfig '$KUBECONFIG_FILE' -n $NS get pvc data -o jsonpath='{.status.phase}')\" = Bound ]"
check "PVC storageClassName is standard" \
  [ "$(kc -n "$NS" get pvc data -o jsonpath='{.spec.storageClassName}')" = standard ]
check "the volume is writable by a non-root pod" \
  retry 10 sh -c "'$K8S_BIN/kubectl' --kubeconfig '$KUBECONFIG_FILE' -n $NS exec writer -- cat /data/hello | grep -q hello"

step "3. ingress"
check "http://127.0.0.1/ with Host foo.localtest.me returns 200 via IngressClass traefik" retry 20 ingress_is 200
WEB_IP=$(kc -n "$NS" get pod -l app=web -o jsonpath='{.items[0].status.podIP}')
check "pod -> Service web:80 works" \
  kc -n "$NS" exec netcheck -- timeout 5 wget -q -O /dev/null "http://web.$NS.svc.$CLUSTER_DOMAIN/"

step "4. NetworkPolicy (kube-router)"
kc apply -n "$NS" -f - >/dev/null <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny}
spec:
  podSelector: {}
  policyTypes: [Ingress]
EOF
check "default-deny: the ingress controller can no longer reach the pod" retry 15 ingress_not_200
check "default-deny: pod -> pod (web:8080) is blocked" \
  retry 10 sh -c "! '$K8S_BIN/kubectl' --kubeconfig '$KUBECONFIG_FILE' -n $NS exec netcheck -- nc -w 3 $WEB_IP 8080 </dev/null"
check "default-deny: the node itself (kubelet probes) still reaches the pod" \
  curl -s --noproxy '*' -o /dev/null --max-time 5 "http://$WEB_IP:8080/"
kc apply -n "$NS" -f - >/dev/null <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-ingress-controller}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: traefik}}
    ports: [{port: 8080, protocol: TCP}]
EOF
check "allow from namespace traefik: 200 again" retry 15 ingress_is 200
check "... while pod -> pod from another pod stays blocked" \
  sh -c "! '$K8S_BIN/kubectl' --kubeconfig '$KUBECONFIG_FILE' -n $NS exec netcheck -- nc -w 3 $WEB_IP 8080 </dev/null"

step "5. PostgreSQL image ($POSTGRES_IMAGE)"
kc apply -n "$NS" -f - >/dev/null <<EOF
apiVersion: v1
kind: Secret
metadata: {name: pg}
stringData: {password: "s3cret-smoke-pw"}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: pgdata}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 256Mi}}
---
apiVersion: v1
kind: Pod
metadata: {name: pg, labels: {app: pg}}
spec:
  securityContext: {runAsNonRoot: true, runAsUser: 999, runAsGroup: 999, fsGroup: 999, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: postgres
    image: $POSTGRES_IMAGE
    imagePullPolicy: Never
    env:
    - {name: POSTGRES_USER, value: guestbook}
    - {name: POSTGRES_DB, value: guestbook}
    - {name: PGDATA, value: /var/lib/postgresql/data/pgdata}
    - name: POSTGRES_PASSWORD
      valueFrom: {secretKeyRef: {name: pg, key: password}}
    ports: [{containerPort: 5432}]
    securityContext: $CSC
    readinessProbe:
      exec: {command: [pg_isready, -U, guestbook, -d, guestbook, -h, 127.0.0.1]}
      periodSeconds: 2
    volumeMounts:
    - {name: data, mountPath: /var/lib/postgresql/data}
    - {name: run, mountPath: /var/run/postgresql}
    - {name: tmp, mountPath: /tmp}
  volumes:
  - {name: data, persistentVolumeClaim: {claimName: pgdata}}
  - {name: run, emptyDir: {}}
  - {name: tmp, emptyDir: {}}
---
apiVersion: v1
kind: Service
metadata: {name: pg}
spec:
  selector: {app: pg}
  ports: [{port: 5432}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: pg-allow-client}
spec:
  podSelector: {matchLabels: {app: pg}}
  policyTypes: [Ingress]
  ingress:
  - from: [{podSelector: {matchLabels: {role: pgclient}}}]
    ports: [{port: 5432, protocol: TCP}]
EOF
check "postgres pod becomes Ready (initdb on the PVC, read-only root fs)" \
  kc -n "$NS" wait --for=condition=Ready pod/pg --timeout=180s
check "password login over TCP (scram-sha-256) from inside the pod" \
  kc -n "$NS" exec pg -- env PGPASSWORD=s3cret-smoke-pw psql -h 127.0.0.1 -U guestbook -d guestbook -tAc 'select 1'
check "wrong password is rejected" \
  sh -c "! '$K8S_BIN/kubectl' --kubeconfig '$KUBECONFIG_FILE' -n $NS exec pg -- env PGPASSWORD=wrong psql -h 127.0.0.1 -U guestbook -d guestbook -tAc 'select 1' 2>/dev/null"
check "netcheck (not allowed by the policy) cannot connect to pg:5432" \
  sh -c "! '$K8S_BIN/kubectl' --kubeconfig '$KUBECONFIG_FILE' -n $NS exec netcheck -- nc -w 3 pg.$NS.svc.$CLUSTER_DOMAIN 5432 </dev/null"
kc -n "$NS" label pod netcheck role=pgclient --overwrite >/dev/null
check "after labelling it role=pgclient it can connect" \
  retry 10 sh -c "'$K8S_BIN/kubectl' --kubeconfig '$KUBECONFIG_FILE' -n $NS exec netcheck -- nc -w 3 pg.$NS.svc.$CLUSTER_DOMAIN 5432 </dev/null"

GB_IMAGE=$GUESTBOOK_IMAGE_REPO:$(sed -n 's/.*org\.opencontainers\.image\.version="\([^"]*\)".*/\1/p' "$REPO_DIR/app/Dockerfile" 2>/dev/null | head -1)
if ctr -a "$CONTAINERD_SOCK" -n k8s.io images ls -q 2>/dev/null | grep -qx "$GB_IMAGE"; then
  step "5b. guestbook image ($GB_IMAGE) against that database"
  kc apply -n "$NS" -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: guestbook, labels: {app: guestbook, role: pgclient}}
spec:
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: web
    image: $GB_IMAGE
    imagePullPolicy: Never
    env:
    - {name: DB_HOST, value: pg.$NS.svc.$CLUSTER_DOMAIN}
    - {name: DB_NAME, value: guestbook}
    - {name: DB_USER, value: guestbook}
    - name: DB_PASSWORD
      valueFrom: {secretKeyRef: {name: pg, key: password}}
    ports: [{containerPort: 8080}]
    securityContext: $CSC
    readinessProbe:
      httpGet: {path: /readyz, port: 8080}
      periodSeconds: 2
EOF
  check "guestbook (uid 65532, read-only root) becomes Ready: /readyz reaches PostgreSQL" \
    kc -n "$NS" wait --for=condition=Ready pod/guestbook --timeout=90s
fi

step "6. Secrets encrypted at rest"
check "etcd holds /registry/secrets/$NS/pg encrypted (k8s:enc:secretbox:v1:), password not in plain text" \
  sh -c "v=\$('$CLUSTER_DIR/etcdctl.sh' get /registry/secrets/$NS/pg --print-value-only | tr -d '\\0'); case \$v in k8s:enc:secretbox:v1:*) ! printf '%s' \"\$v\" | grep -q s3cret-smoke-pw ;; *) false ;; esac"

step "cleanup"
kc delete namespace "$NS" --wait=true --timeout=120s >/dev/null || nok "namespace deletion"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
