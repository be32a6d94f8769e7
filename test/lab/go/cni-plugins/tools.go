//go:build tools

// Package tools pins the CNI plugins that give the lab nodes' pods their network: a bridge per
// node with addresses from the node's pod range, and the pods' loopback.
package tools

import (
	_ "github.com/containernetworking/plugins/plugins/ipam/host-local"
	_ "github.com/containernetworking/plugins/plugins/main/bridge"
	_ "github.com/containernetworking/plugins/plugins/main/loopback"
)
