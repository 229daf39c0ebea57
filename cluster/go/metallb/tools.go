//go:build tools

// Package tools pins the commands built by cluster/build.sh: MetalLB's controller (address
// allocation for LoadBalancer Services) and speaker (layer-2 announcement).
package tools

import (
	_ "go.universe.tf/metallb/controller"
	_ "go.universe.tf/metallb/speaker"
)
