// The lab nodes' pod sandbox process (what registry.k8s.io/pause is on a cluster with a registry).
module stratum.dev/lab/pause

go 1.26.0
