//go:build tools

// Package tools pins the command built by cluster/build.sh.
package tools

import _ "github.com/rancher/local-path-provisioner"
