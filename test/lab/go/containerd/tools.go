//go:build tools

// Package tools pins the containerd commands the lab nodes run: the daemon, ctr, and the runc shim
// the daemon starts for every container.
package tools

import (
	_ "github.com/containerd/containerd/v2/cmd/containerd"
	_ "github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2"
	_ "github.com/containerd/containerd/v2/cmd/ctr"
)
