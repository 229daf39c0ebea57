//go:build tools

// Package tools pins the command built by cluster/build.sh.
package tools

import _ "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router"
