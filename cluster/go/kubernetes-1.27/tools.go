//go:build tools

// Package tools pins the commands built by cluster/build.sh.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
)
