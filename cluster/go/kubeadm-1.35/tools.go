//go:build tools

// Package tools pins kubeadm of k8s.io/kubernetes for cluster/build.sh (the kind
// node image needs it). A module of its own, beside kubernetes-1.35, so adding it
// did not change the cache key of the other Kubernetes binaries.
package tools

import _ "k8s.io/kubernetes/cmd/kubeadm"
