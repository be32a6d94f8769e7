// The volume_context the CSI controller hands to the node service: the controller fills it at
// CreateVolume from the LocalVolume, the node reads it at NodeStageVolume.

/** Key of the LocalVolume's fsType; the node uses it when the capability names no filesystem. */
export const FS_TYPE_CONTEXT_KEY = 'fsType';
