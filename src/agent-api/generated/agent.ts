import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AgentClient as _stratum_agent_v1_AgentClient, AgentDefinition as _stratum_agent_v1_AgentDefinition } from './stratum/agent/v1/Agent.ts';
import type { ChunkHeader as _stratum_agent_v1_ChunkHeader, ChunkHeader__Output as _stratum_agent_v1_ChunkHeader__Output } from './stratum/agent/v1/ChunkHeader.ts';
import type { ChunkTrailer as _stratum_agent_v1_ChunkTrailer, ChunkTrailer__Output as _stratum_agent_v1_ChunkTrailer__Output } from './stratum/agent/v1/ChunkTrailer.ts';
import type { ConfigureReplicationRequest as _stratum_agent_v1_ConfigureReplicationRequest, ConfigureReplicationRequest__Output as _stratum_agent_v1_ConfigureReplicationRequest__Output } from './stratum/agent/v1/ConfigureReplicationRequest.ts';
import type { ConfigureReplicationResponse as _stratum_agent_v1_ConfigureReplicationResponse, ConfigureReplicationResponse__Output as _stratum_agent_v1_ConfigureReplicationResponse__Output } from './stratum/agent/v1/ConfigureReplicationResponse.ts';
import type { CopyProgress as _stratum_agent_v1_CopyProgress, CopyProgress__Output as _stratum_agent_v1_CopyProgress__Output } from './stratum/agent/v1/CopyProgress.ts';
import type { CreateSnapshotRequest as _stratum_agent_v1_CreateSnapshotRequest, CreateSnapshotRequest__Output as _stratum_agent_v1_CreateSnapshotRequest__Output } from './stratum/agent/v1/CreateSnapshotRequest.ts';
import type { CreateSnapshotResponse as _stratum_agent_v1_CreateSnapshotResponse, CreateSnapshotResponse__Output as _stratum_agent_v1_CreateSnapshotResponse__Output } from './stratum/agent/v1/CreateSnapshotResponse.ts';
import type { CreateVolumeRequest as _stratum_agent_v1_CreateVolumeRequest, CreateVolumeRequest__Output as _stratum_agent_v1_CreateVolumeRequest__Output } from './stratum/agent/v1/CreateVolumeRequest.ts';
import type { CreateVolumeResponse as _stratum_agent_v1_CreateVolumeResponse, CreateVolumeResponse__Output as _stratum_agent_v1_CreateVolumeResponse__Output } from './stratum/agent/v1/CreateVolumeResponse.ts';
import type { DeletePoolRequest as _stratum_agent_v1_DeletePoolRequest, DeletePoolRequest__Output as _stratum_agent_v1_DeletePoolRequest__Output } from './stratum/agent/v1/DeletePoolRequest.ts';
import type { DeletePoolResponse as _stratum_agent_v1_DeletePoolResponse, DeletePoolResponse__Output as _stratum_agent_v1_DeletePoolResponse__Output } from './stratum/agent/v1/DeletePoolResponse.ts';
import type { DeleteSnapshotRequest as _stratum_agent_v1_DeleteSnapshotRequest, DeleteSnapshotRequest__Output as _stratum_agent_v1_DeleteSnapshotRequest__Output } from './stratum/agent/v1/DeleteSnapshotRequest.ts';
import type { DeleteSnapshotResponse as _stratum_agent_v1_DeleteSnapshotResponse, DeleteSnapshotResponse__Output as _stratum_agent_v1_DeleteSnapshotResponse__Output } from './stratum/agent/v1/DeleteSnapshotResponse.ts';
import type { DeleteVolumeRequest as _stratum_agent_v1_DeleteVolumeRequest, DeleteVolumeRequest__Output as _stratum_agent_v1_DeleteVolumeRequest__Output } from './stratum/agent/v1/DeleteVolumeRequest.ts';
import type { DeleteVolumeResponse as _stratum_agent_v1_DeleteVolumeResponse, DeleteVolumeResponse__Output as _stratum_agent_v1_DeleteVolumeResponse__Output } from './stratum/agent/v1/DeleteVolumeResponse.ts';
import type { DemoteRequest as _stratum_agent_v1_DemoteRequest, DemoteRequest__Output as _stratum_agent_v1_DemoteRequest__Output } from './stratum/agent/v1/DemoteRequest.ts';
import type { DemoteResponse as _stratum_agent_v1_DemoteResponse, DemoteResponse__Output as _stratum_agent_v1_DemoteResponse__Output } from './stratum/agent/v1/DemoteResponse.ts';
import type { Disk as _stratum_agent_v1_Disk, Disk__Output as _stratum_agent_v1_Disk__Output } from './stratum/agent/v1/Disk.ts';
import type { DiskEvent as _stratum_agent_v1_DiskEvent, DiskEvent__Output as _stratum_agent_v1_DiskEvent__Output } from './stratum/agent/v1/DiskEvent.ts';
import type { EnsurePoolRequest as _stratum_agent_v1_EnsurePoolRequest, EnsurePoolRequest__Output as _stratum_agent_v1_EnsurePoolRequest__Output } from './stratum/agent/v1/EnsurePoolRequest.ts';
import type { EnsurePoolResponse as _stratum_agent_v1_EnsurePoolResponse, EnsurePoolResponse__Output as _stratum_agent_v1_EnsurePoolResponse__Output } from './stratum/agent/v1/EnsurePoolResponse.ts';
import type { ExpandVolumeRequest as _stratum_agent_v1_ExpandVolumeRequest, ExpandVolumeRequest__Output as _stratum_agent_v1_ExpandVolumeRequest__Output } from './stratum/agent/v1/ExpandVolumeRequest.ts';
import type { ExpandVolumeResponse as _stratum_agent_v1_ExpandVolumeResponse, ExpandVolumeResponse__Output as _stratum_agent_v1_ExpandVolumeResponse__Output } from './stratum/agent/v1/ExpandVolumeResponse.ts';
import type { ExpectVolumeRequest as _stratum_agent_v1_ExpectVolumeRequest, ExpectVolumeRequest__Output as _stratum_agent_v1_ExpectVolumeRequest__Output } from './stratum/agent/v1/ExpectVolumeRequest.ts';
import type { ExpectVolumeResponse as _stratum_agent_v1_ExpectVolumeResponse, ExpectVolumeResponse__Output as _stratum_agent_v1_ExpectVolumeResponse__Output } from './stratum/agent/v1/ExpectVolumeResponse.ts';
import type { GetCopyProgressRequest as _stratum_agent_v1_GetCopyProgressRequest, GetCopyProgressRequest__Output as _stratum_agent_v1_GetCopyProgressRequest__Output } from './stratum/agent/v1/GetCopyProgressRequest.ts';
import type { GetNodeInfoRequest as _stratum_agent_v1_GetNodeInfoRequest, GetNodeInfoRequest__Output as _stratum_agent_v1_GetNodeInfoRequest__Output } from './stratum/agent/v1/GetNodeInfoRequest.ts';
import type { GetNodeInfoResponse as _stratum_agent_v1_GetNodeInfoResponse, GetNodeInfoResponse__Output as _stratum_agent_v1_GetNodeInfoResponse__Output } from './stratum/agent/v1/GetNodeInfoResponse.ts';
import type { GetReplicationStatusRequest as _stratum_agent_v1_GetReplicationStatusRequest, GetReplicationStatusRequest__Output as _stratum_agent_v1_GetReplicationStatusRequest__Output } from './stratum/agent/v1/GetReplicationStatusRequest.ts';
import type { ListDisksRequest as _stratum_agent_v1_ListDisksRequest, ListDisksRequest__Output as _stratum_agent_v1_ListDisksRequest__Output } from './stratum/agent/v1/ListDisksRequest.ts';
import type { ListDisksResponse as _stratum_agent_v1_ListDisksResponse, ListDisksResponse__Output as _stratum_agent_v1_ListDisksResponse__Output } from './stratum/agent/v1/ListDisksResponse.ts';
import type { ListPoolsRequest as _stratum_agent_v1_ListPoolsRequest, ListPoolsRequest__Output as _stratum_agent_v1_ListPoolsRequest__Output } from './stratum/agent/v1/ListPoolsRequest.ts';
import type { ListPoolsResponse as _stratum_agent_v1_ListPoolsResponse, ListPoolsResponse__Output as _stratum_agent_v1_ListPoolsResponse__Output } from './stratum/agent/v1/ListPoolsResponse.ts';
import type { ListSnapshotsRequest as _stratum_agent_v1_ListSnapshotsRequest, ListSnapshotsRequest__Output as _stratum_agent_v1_ListSnapshotsRequest__Output } from './stratum/agent/v1/ListSnapshotsRequest.ts';
import type { ListSnapshotsResponse as _stratum_agent_v1_ListSnapshotsResponse, ListSnapshotsResponse__Output as _stratum_agent_v1_ListSnapshotsResponse__Output } from './stratum/agent/v1/ListSnapshotsResponse.ts';
import type { ListVolumesRequest as _stratum_agent_v1_ListVolumesRequest, ListVolumesRequest__Output as _stratum_agent_v1_ListVolumesRequest__Output } from './stratum/agent/v1/ListVolumesRequest.ts';
import type { ListVolumesResponse as _stratum_agent_v1_ListVolumesResponse, ListVolumesResponse__Output as _stratum_agent_v1_ListVolumesResponse__Output } from './stratum/agent/v1/ListVolumesResponse.ts';
import type { MountedFilesystem as _stratum_agent_v1_MountedFilesystem, MountedFilesystem__Output as _stratum_agent_v1_MountedFilesystem__Output } from './stratum/agent/v1/MountedFilesystem.ts';
import type { Pool as _stratum_agent_v1_Pool, Pool__Output as _stratum_agent_v1_Pool__Output } from './stratum/agent/v1/Pool.ts';
import type { PromoteRequest as _stratum_agent_v1_PromoteRequest, PromoteRequest__Output as _stratum_agent_v1_PromoteRequest__Output } from './stratum/agent/v1/PromoteRequest.ts';
import type { PromoteResponse as _stratum_agent_v1_PromoteResponse, PromoteResponse__Output as _stratum_agent_v1_PromoteResponse__Output } from './stratum/agent/v1/PromoteResponse.ts';
import type { ReceiveVolumeResponse as _stratum_agent_v1_ReceiveVolumeResponse, ReceiveVolumeResponse__Output as _stratum_agent_v1_ReceiveVolumeResponse__Output } from './stratum/agent/v1/ReceiveVolumeResponse.ts';
import type { RemoveReplicationRequest as _stratum_agent_v1_RemoveReplicationRequest, RemoveReplicationRequest__Output as _stratum_agent_v1_RemoveReplicationRequest__Output } from './stratum/agent/v1/RemoveReplicationRequest.ts';
import type { RemoveReplicationResponse as _stratum_agent_v1_RemoveReplicationResponse, RemoveReplicationResponse__Output as _stratum_agent_v1_RemoveReplicationResponse__Output } from './stratum/agent/v1/RemoveReplicationResponse.ts';
import type { ReplicationPeer as _stratum_agent_v1_ReplicationPeer, ReplicationPeer__Output as _stratum_agent_v1_ReplicationPeer__Output } from './stratum/agent/v1/ReplicationPeer.ts';
import type { ReplicationPeerStatus as _stratum_agent_v1_ReplicationPeerStatus, ReplicationPeerStatus__Output as _stratum_agent_v1_ReplicationPeerStatus__Output } from './stratum/agent/v1/ReplicationPeerStatus.ts';
import type { ReplicationStatus as _stratum_agent_v1_ReplicationStatus, ReplicationStatus__Output as _stratum_agent_v1_ReplicationStatus__Output } from './stratum/agent/v1/ReplicationStatus.ts';
import type { SendVolumeRequest as _stratum_agent_v1_SendVolumeRequest, SendVolumeRequest__Output as _stratum_agent_v1_SendVolumeRequest__Output } from './stratum/agent/v1/SendVolumeRequest.ts';
import type { SendVolumeResponse as _stratum_agent_v1_SendVolumeResponse, SendVolumeResponse__Output as _stratum_agent_v1_SendVolumeResponse__Output } from './stratum/agent/v1/SendVolumeResponse.ts';
import type { Snapshot as _stratum_agent_v1_Snapshot, Snapshot__Output as _stratum_agent_v1_Snapshot__Output } from './stratum/agent/v1/Snapshot.ts';
import type { Volume as _stratum_agent_v1_Volume, Volume__Output as _stratum_agent_v1_Volume__Output } from './stratum/agent/v1/Volume.ts';
import type { VolumeChunk as _stratum_agent_v1_VolumeChunk, VolumeChunk__Output as _stratum_agent_v1_VolumeChunk__Output } from './stratum/agent/v1/VolumeChunk.ts';
import type { VolumeSource as _stratum_agent_v1_VolumeSource, VolumeSource__Output as _stratum_agent_v1_VolumeSource__Output } from './stratum/agent/v1/VolumeSource.ts';
import type { WatchDisksRequest as _stratum_agent_v1_WatchDisksRequest, WatchDisksRequest__Output as _stratum_agent_v1_WatchDisksRequest__Output } from './stratum/agent/v1/WatchDisksRequest.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  stratum: {
    agent: {
      v1: {
        Agent: SubtypeConstructor<typeof grpc.Client, _stratum_agent_v1_AgentClient> & { service: _stratum_agent_v1_AgentDefinition }
        ChunkHeader: MessageTypeDefinition<_stratum_agent_v1_ChunkHeader, _stratum_agent_v1_ChunkHeader__Output>
        ChunkTrailer: MessageTypeDefinition<_stratum_agent_v1_ChunkTrailer, _stratum_agent_v1_ChunkTrailer__Output>
        ConfigureReplicationRequest: MessageTypeDefinition<_stratum_agent_v1_ConfigureReplicationRequest, _stratum_agent_v1_ConfigureReplicationRequest__Output>
        ConfigureReplicationResponse: MessageTypeDefinition<_stratum_agent_v1_ConfigureReplicationResponse, _stratum_agent_v1_ConfigureReplicationResponse__Output>
        CopyProgress: MessageTypeDefinition<_stratum_agent_v1_CopyProgress, _stratum_agent_v1_CopyProgress__Output>
        CreateSnapshotRequest: MessageTypeDefinition<_stratum_agent_v1_CreateSnapshotRequest, _stratum_agent_v1_CreateSnapshotRequest__Output>
        CreateSnapshotResponse: MessageTypeDefinition<_stratum_agent_v1_CreateSnapshotResponse, _stratum_agent_v1_CreateSnapshotResponse__Output>
        CreateVolumeRequest: MessageTypeDefinition<_stratum_agent_v1_CreateVolumeRequest, _stratum_agent_v1_CreateVolumeRequest__Output>
        CreateVolumeResponse: MessageTypeDefinition<_stratum_agent_v1_CreateVolumeResponse, _stratum_agent_v1_CreateVolumeResponse__Output>
        DeletePoolRequest: MessageTypeDefinition<_stratum_agent_v1_DeletePoolRequest, _stratum_agent_v1_DeletePoolRequest__Output>
        DeletePoolResponse: MessageTypeDefinition<_stratum_agent_v1_DeletePoolResponse, _stratum_agent_v1_DeletePoolResponse__Output>
        DeleteSnapshotRequest: MessageTypeDefinition<_stratum_agent_v1_DeleteSnapshotRequest, _stratum_agent_v1_DeleteSnapshotRequest__Output>
        DeleteSnapshotResponse: MessageTypeDefinition<_stratum_agent_v1_DeleteSnapshotResponse, _stratum_agent_v1_DeleteSnapshotResponse__Output>
        DeleteVolumeRequest: MessageTypeDefinition<_stratum_agent_v1_DeleteVolumeRequest, _stratum_agent_v1_DeleteVolumeRequest__Output>
        DeleteVolumeResponse: MessageTypeDefinition<_stratum_agent_v1_DeleteVolumeResponse, _stratum_agent_v1_DeleteVolumeResponse__Output>
        DemoteRequest: MessageTypeDefinition<_stratum_agent_v1_DemoteRequest, _stratum_agent_v1_DemoteRequest__Output>
        DemoteResponse: MessageTypeDefinition<_stratum_agent_v1_DemoteResponse, _stratum_agent_v1_DemoteResponse__Output>
        Disk: MessageTypeDefinition<_stratum_agent_v1_Disk, _stratum_agent_v1_Disk__Output>
        DiskEvent: MessageTypeDefinition<_stratum_agent_v1_DiskEvent, _stratum_agent_v1_DiskEvent__Output>
        DiskState: EnumTypeDefinition
        EnsurePoolRequest: MessageTypeDefinition<_stratum_agent_v1_EnsurePoolRequest, _stratum_agent_v1_EnsurePoolRequest__Output>
        EnsurePoolResponse: MessageTypeDefinition<_stratum_agent_v1_EnsurePoolResponse, _stratum_agent_v1_EnsurePoolResponse__Output>
        ExpandVolumeRequest: MessageTypeDefinition<_stratum_agent_v1_ExpandVolumeRequest, _stratum_agent_v1_ExpandVolumeRequest__Output>
        ExpandVolumeResponse: MessageTypeDefinition<_stratum_agent_v1_ExpandVolumeResponse, _stratum_agent_v1_ExpandVolumeResponse__Output>
        ExpectVolumeRequest: MessageTypeDefinition<_stratum_agent_v1_ExpectVolumeRequest, _stratum_agent_v1_ExpectVolumeRequest__Output>
        ExpectVolumeResponse: MessageTypeDefinition<_stratum_agent_v1_ExpectVolumeResponse, _stratum_agent_v1_ExpectVolumeResponse__Output>
        GetCopyProgressRequest: MessageTypeDefinition<_stratum_agent_v1_GetCopyProgressRequest, _stratum_agent_v1_GetCopyProgressRequest__Output>
        GetNodeInfoRequest: MessageTypeDefinition<_stratum_agent_v1_GetNodeInfoRequest, _stratum_agent_v1_GetNodeInfoRequest__Output>
        GetNodeInfoResponse: MessageTypeDefinition<_stratum_agent_v1_GetNodeInfoResponse, _stratum_agent_v1_GetNodeInfoResponse__Output>
        GetReplicationStatusRequest: MessageTypeDefinition<_stratum_agent_v1_GetReplicationStatusRequest, _stratum_agent_v1_GetReplicationStatusRequest__Output>
        ListDisksRequest: MessageTypeDefinition<_stratum_agent_v1_ListDisksRequest, _stratum_agent_v1_ListDisksRequest__Output>
        ListDisksResponse: MessageTypeDefinition<_stratum_agent_v1_ListDisksResponse, _stratum_agent_v1_ListDisksResponse__Output>
        ListPoolsRequest: MessageTypeDefinition<_stratum_agent_v1_ListPoolsRequest, _stratum_agent_v1_ListPoolsRequest__Output>
        ListPoolsResponse: MessageTypeDefinition<_stratum_agent_v1_ListPoolsResponse, _stratum_agent_v1_ListPoolsResponse__Output>
        ListSnapshotsRequest: MessageTypeDefinition<_stratum_agent_v1_ListSnapshotsRequest, _stratum_agent_v1_ListSnapshotsRequest__Output>
        ListSnapshotsResponse: MessageTypeDefinition<_stratum_agent_v1_ListSnapshotsResponse, _stratum_agent_v1_ListSnapshotsResponse__Output>
        ListVolumesRequest: MessageTypeDefinition<_stratum_agent_v1_ListVolumesRequest, _stratum_agent_v1_ListVolumesRequest__Output>
        ListVolumesResponse: MessageTypeDefinition<_stratum_agent_v1_ListVolumesResponse, _stratum_agent_v1_ListVolumesResponse__Output>
        MediaClass: EnumTypeDefinition
        MountedFilesystem: MessageTypeDefinition<_stratum_agent_v1_MountedFilesystem, _stratum_agent_v1_MountedFilesystem__Output>
        Pool: MessageTypeDefinition<_stratum_agent_v1_Pool, _stratum_agent_v1_Pool__Output>
        PoolBackend: EnumTypeDefinition
        PromoteRequest: MessageTypeDefinition<_stratum_agent_v1_PromoteRequest, _stratum_agent_v1_PromoteRequest__Output>
        PromoteResponse: MessageTypeDefinition<_stratum_agent_v1_PromoteResponse, _stratum_agent_v1_PromoteResponse__Output>
        ReceiveVolumeResponse: MessageTypeDefinition<_stratum_agent_v1_ReceiveVolumeResponse, _stratum_agent_v1_ReceiveVolumeResponse__Output>
        RemoveReplicationRequest: MessageTypeDefinition<_stratum_agent_v1_RemoveReplicationRequest, _stratum_agent_v1_RemoveReplicationRequest__Output>
        RemoveReplicationResponse: MessageTypeDefinition<_stratum_agent_v1_RemoveReplicationResponse, _stratum_agent_v1_RemoveReplicationResponse__Output>
        ReplicationPeer: MessageTypeDefinition<_stratum_agent_v1_ReplicationPeer, _stratum_agent_v1_ReplicationPeer__Output>
        ReplicationPeerStatus: MessageTypeDefinition<_stratum_agent_v1_ReplicationPeerStatus, _stratum_agent_v1_ReplicationPeerStatus__Output>
        ReplicationStatus: MessageTypeDefinition<_stratum_agent_v1_ReplicationStatus, _stratum_agent_v1_ReplicationStatus__Output>
        SendVolumeRequest: MessageTypeDefinition<_stratum_agent_v1_SendVolumeRequest, _stratum_agent_v1_SendVolumeRequest__Output>
        SendVolumeResponse: MessageTypeDefinition<_stratum_agent_v1_SendVolumeResponse, _stratum_agent_v1_SendVolumeResponse__Output>
        Snapshot: MessageTypeDefinition<_stratum_agent_v1_Snapshot, _stratum_agent_v1_Snapshot__Output>
        Volume: MessageTypeDefinition<_stratum_agent_v1_Volume, _stratum_agent_v1_Volume__Output>
        VolumeChunk: MessageTypeDefinition<_stratum_agent_v1_VolumeChunk, _stratum_agent_v1_VolumeChunk__Output>
        VolumeSource: MessageTypeDefinition<_stratum_agent_v1_VolumeSource, _stratum_agent_v1_VolumeSource__Output>
        WatchDisksRequest: MessageTypeDefinition<_stratum_agent_v1_WatchDisksRequest, _stratum_agent_v1_WatchDisksRequest__Output>
      }
    }
  }
}

