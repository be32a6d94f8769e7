// A volume as an agent's ListVolumes reports it: an LVM volume of pool nvme, present on the node,
// unless the test says otherwise.
import type { Volume__Output } from '../../src/agent-api/generated/stratum/agent/v1/Volume.ts';

export function listedVolume(id: string, over: Partial<Volume__Output> = {}): Volume__Output {
  const pool = over.pool ?? 'nvme';
  return {
    id,
    pool,
    backend: 'POOL_BACKEND_LVM',
    sizeBytes: '1073741824',
    devicePath: `/dev/stratum-${pool}/${id}`,
    devicePresent: true,
    thin: false,
    lvName: id,
    diskId: '',
    open: false,
    ownerUid: '',
    orphan: false,
    filesystem: null,
    partial: false,
    ...over,
  };
}
