//go:build tools

// Package tools pins the kubelet the lab nodes run.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kubelet"
)
