//go:build tools

// Package tools pins csi-snapshotter, snapshot-controller and the snapshot client module (whose
// config/crd directory holds the VolumeSnapshot CRDs the rig installs).
package tools

import (
	_ "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	_ "github.com/kubernetes-csi/external-snapshotter/v8/cmd/csi-snapshotter"
	_ "github.com/kubernetes-csi/external-snapshotter/v8/cmd/snapshot-controller"
)
