//go:build tools

// Package tools pins the node binaries of the Kubernetes release the rig runs: the kubelet and
// kube-proxy (Service addresses on the lab nodes).
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
