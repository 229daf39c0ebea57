//go:build tools

// Package tools pins metrics-server (sigs.k8s.io/metrics-server) for cluster/build.sh.
package tools

import _ "sigs.k8s.io/metrics-server/cmd/metrics-server"
