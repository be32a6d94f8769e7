// Original file: proto/agent/v1/agent.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ConfigureReplicationRequest as _stratum_agent_v1_ConfigureReplicationRequest, ConfigureReplicationRequest__Output as _stratum_agent_v1_ConfigureReplicationRequest__Output } from '../../../stratum/agent/v1/ConfigureReplicationRequest.ts';
import type { ConfigureReplicationResponse as _stratum_agent_v1_ConfigureReplicationResponse, ConfigureReplicationResponse__Output as _stratum_agent_v1_ConfigureReplicationResponse__Output } from '../../../stratum/agent/v1/ConfigureReplicationResponse.ts';
import type { CopyProgress as _stratum_agent_v1_CopyProgress, CopyProgress__Output as _stratum_agent_v1_CopyProgress__Output } from '../../../stratum/agent/v1/CopyProgress.ts';
import type { CreateSnapshotRequest as _stratum_agent_v1_CreateSnapshotRequest, CreateSnapshotRequest__Output as _stratum_agent_v1_CreateSnapshotRequest__Output } from '../../../stratum/agent/v1/CreateSnapshotRequest.ts';
import type { CreateSnapshotResponse as _stratum_agent_v1_CreateSnapshotResponse, CreateSnapshotResponse__Output as _stratum_agent_v1_CreateSnapshotResponse__Output } from '../../../stratum/agent/v1/CreateSnapshotResponse.ts';
import type { CreateVolumeRequest as _stratum_agent_v1_CreateVolumeRequest, CreateVolumeRequest__Output as _stratum_agent_v1_CreateVolumeRequest__Output } from '../../../stratum/agent/v1/CreateVolumeRequest.ts';
import type { CreateVolumeResponse as _stratum_agent_v1_CreateVolumeResponse, CreateVolumeResponse__Output as _stratum_agent_v1_CreateVolumeResponse__Output } from '../../../stratum/agent/v1/CreateVolumeResponse.ts';
import type { DeletePoolRequest as _stratum_agent_v1_DeletePoolRequest, DeletePoolRequest__Output as _stratum_agent_v1_DeletePoolRequest__Output } from '../../../stratum/agent/v1/DeletePoolRequest.ts';
import type { DeletePoolResponse as _stratum_agent_v1_DeletePoolResponse, DeletePoolResponse__Output as _stratum_agent_v1_DeletePoolResponse__Output } from '../../../stratum/agent/v1/DeletePoolResponse.ts';
import type { DeleteSnapshotRequest as _stratum_agent_v1_DeleteSnapshotRequest, DeleteSnapshotRequest__Output as _stratum_agent_v1_DeleteSnapshotRequest__Output } from '../../../stratum/agent/v1/DeleteSnapshotRequest.ts';
import type { DeleteSnapshotResponse as _stratum_agent_v1_DeleteSnapshotResponse, DeleteSnapshotResponse__Output as _stratum_agent_v1_DeleteSnapshotResponse__Output } from '../../../stratum/agent/v1/DeleteSnapshotResponse.ts';
import type { DeleteVolumeRequest as _stratum_agent_v1_DeleteVolumeRequest, DeleteVolumeRequest__Output as _stratum_agent_v1_DeleteVolumeRequest__Output } from '../../../stratum/agent/v1/DeleteVolumeRequest.ts';
import type { DeleteVolumeResponse as _stratum_agent_v1_DeleteVolumeResponse, DeleteVolumeResponse__Output as _stratum_agent_v1_DeleteVolumeResponse__Output } from '../../../stratum/agent/v1/DeleteVolumeResponse.ts';
import type { DemoteRequest as _stratum_agent_v1_DemoteRequest, DemoteRequest__Output as _stratum_agent_v1_DemoteRequest__Output } from '../../../stratum/agent/v1/DemoteRequest.ts';
import type { DemoteResponse as _stratum_agent_v1_DemoteResponse, DemoteResponse__Output as _stratum_agent_v1_DemoteResponse__Output } from '../../../stratum/agent/v1/DemoteResponse.ts';
import type { DiskEvent as _stratum_agent_v1_DiskEvent, DiskEvent__Output as _stratum_agent_v1_DiskEvent__Output } from '../../../stratum/agent/v1/DiskEvent.ts';
import type { EnsurePoolRequest as _stratum_agent_v1_EnsurePoolRequest, EnsurePoolRequest__Output as _stratum_agent_v1_EnsurePoolRequest__Output } from '../../../stratum/agent/v1/EnsurePoolRequest.ts';
import type { EnsurePoolResponse as _stratum_agent_v1_EnsurePoolResponse, EnsurePoolResponse__Output as _stratum_agent_v1_EnsurePoolResponse__Output } from '../../../stratum/agent/v1/EnsurePoolResponse.ts';
import type { ExpandVolumeRequest as _stratum_agent_v1_ExpandVolumeRequest, ExpandVolumeRequest__Output as _stratum_agent_v1_ExpandVolumeRequest__Output } from '../../../stratum/agent/v1/ExpandVolumeRequest.ts';
import type { ExpandVolumeResponse as _stratum_agent_v1_ExpandVolumeResponse, ExpandVolumeResponse__Output as _stratum_agent_v1_ExpandVolumeResponse__Output } from '../../../stratum/agent/v1/ExpandVolumeResponse.ts';
import type { ExpectVolumeRequest as _stratum_agent_v1_ExpectVolumeRequest, ExpectVolumeRequest__Output as _stratum_agent_v1_ExpectVolumeRequest__Output } from '../../../stratum/agent/v1/ExpectVolumeRequest.ts';
import type { ExpectVolumeResponse as _stratum_agent_v1_ExpectVolumeResponse, ExpectVolumeResponse__Output as _stratum_agent_v1_ExpectVolumeResponse__Output } from '../../../stratum/agent/v1/ExpectVolumeResponse.ts';
import type { GetCopyProgressRequest as _stratum_agent_v1_GetCopyProgressRequest, GetCopyProgressRequest__Output as _stratum_agent_v1_GetCopyProgressRequest__Output } from '../../../stratum/agent/v1/GetCopyProgressRequest.ts';
import type { GetNodeInfoRequest as _stratum_agent_v1_GetNodeInfoRequest, GetNodeInfoRequest__Output as _stratum_agent_v1_GetNodeInfoRequest__Output } from '../../../stratum/agent/v1/GetNodeInfoRequest.ts';
import type { GetNodeInfoResponse as _stratum_agent_v1_GetNodeInfoResponse, GetNodeInfoResponse__Output as _stratum_agent_v1_GetNodeInfoResponse__Output } from '../../../stratum/agent/v1/GetNodeInfoResponse.ts';
import type { GetReplicationStatusRequest as _stratum_agent_v1_GetReplicationStatusRequest, GetReplicationStatusRequest__Output as _stratum_agent_v1_GetReplicationStatusRequest__Output } from '../../../stratum/agent/v1/GetReplicationStatusRequest.ts';
import type { ListDisksRequest as _stratum_agent_v1_ListDisksRequest, ListDisksRequest__Output as _stratum_agent_v1_ListDisksRequest__Output } from '../../../stratum/agent/v1/ListDisksRequest.ts';
import type { ListDisksResponse as _stratum_agent_v1_ListDisksResponse, ListDisksResponse__Output as _stratum_agent_v1_ListDisksResponse__Output } from '../../../stratum/agent/v1/ListDisksResponse.ts';
import type { ListPoolsRequest as _stratum_agent_v1_ListPoolsRequest, ListPoolsRequest__Output as _stratum_agent_v1_ListPoolsRequest__Output } from '../../../stratum/agent/v1/ListPoolsRequest.ts';
import type { ListPoolsResponse as _stratum_agent_v1_ListPoolsResponse, ListPoolsResponse__Output as _stratum_agent_v1_ListPoolsResponse__Output } from '../../../stratum/agent/v1/ListPoolsResponse.ts';
import type { ListSnapshotsRequest as _stratum_agent_v1_ListSnapshotsRequest, ListSnapshotsRequest__Output as _stratum_agent_v1_ListSnapshotsRequest__Output } from '../../../stratum/agent/v1/ListSnapshotsRequest.ts';
import type { ListSnapshotsResponse as _stratum_agent_v1_ListSnapshotsResponse, ListSnapshotsResponse__Output as _stratum_agent_v1_ListSnapshotsResponse__Output } from '../../../stratum/agent/v1/ListSnapshotsResponse.ts';
import type { ListVolumesRequest as _stratum_agent_v1_ListVolumesRequest, ListVolumesRequest__Output as _stratum_agent_v1_ListVolumesRequest__Output } from '../../../stratum/agent/v1/ListVolumesRequest.ts';
import type { ListVolumesResponse as _stratum_agent_v1_ListVolumesResponse, ListVolumesResponse__Output as _stratum_agent_v1_ListVolumesResponse__Output } from '../../../stratum/agent/v1/ListVolumesResponse.ts';
import type { PromoteRequest as _stratum_agent_v1_PromoteRequest, PromoteRequest__Output as _stratum_agent_v1_PromoteRequest__Output } from '../../../stratum/agent/v1/PromoteRequest.ts';
import type { PromoteResponse as _stratum_agent_v1_PromoteResponse, PromoteResponse__Output as _stratum_agent_v1_PromoteResponse__Output } from '../../../stratum/agent/v1/PromoteResponse.ts';
import type { ReceiveVolumeResponse as _stratum_agent_v1_ReceiveVolumeResponse, ReceiveVolumeResponse__Output as _stratum_agent_v1_ReceiveVolumeResponse__Output } from '../../../stratum/agent/v1/ReceiveVolumeResponse.ts';
import type { RemoveReplicationRequest as _stratum_agent_v1_RemoveReplicationRequest, RemoveReplicationRequest__Output as _stratum_agent_v1_RemoveReplicationRequest__Output } from '../../../stratum/agent/v1/RemoveReplicationRequest.ts';
import type { RemoveReplicationResponse as _stratum_agent_v1_RemoveReplicationResponse, RemoveReplicationResponse__Output as _stratum_agent_v1_RemoveReplicationResponse__Output } from '../../../stratum/agent/v1/RemoveReplicationResponse.ts';
import type { ReplicationStatus as _stratum_agent_v1_ReplicationStatus, ReplicationStatus__Output as _stratum_agent_v1_ReplicationStatus__Output } from '../../../stratum/agent/v1/ReplicationStatus.ts';
import type { SendVolumeRequest as _stratum_agent_v1_SendVolumeRequest, SendVolumeRequest__Output as _stratum_agent_v1_SendVolumeRequest__Output } from '../../../stratum/agent/v1/SendVolumeRequest.ts';
import type { SendVolumeResponse as _stratum_agent_v1_SendVolumeResponse, SendVolumeResponse__Output as _stratum_agent_v1_SendVolumeResponse__Output } from '../../../stratum/agent/v1/SendVolumeResponse.ts';
import type { VolumeChunk as _stratum_agent_v1_VolumeChunk, VolumeChunk__Output as _stratum_agent_v1_VolumeChunk__Output } from '../../../stratum/agent/v1/VolumeChunk.ts';
import type { WatchDisksRequest as _stratum_agent_v1_WatchDisksRequest, WatchDisksRequest__Output as _stratum_agent_v1_WatchDisksRequest__Output } from '../../../stratum/agent/v1/WatchDisksRequest.ts';

export interface AgentClient extends grpc.Client {
  ConfigureReplication(argument: _stratum_agent_v1_ConfigureReplicationRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_ConfigureReplicationResponse__Output>): grpc.ClientUnaryCall;
  ConfigureReplication(argument: _stratum_agent_v1_ConfigureReplicationRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_ConfigureReplicationResponse__Output>): grpc.ClientUnaryCall;
  ConfigureReplication(argument: _stratum_agent_v1_ConfigureReplicationRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_ConfigureReplicationResponse__Output>): grpc.ClientUnaryCall;
  ConfigureReplication(argument: _stratum_agent_v1_ConfigureReplicationRequest, callback: grpc.requestCallback<_stratum_agent_v1_ConfigureReplicationResponse__Output>): grpc.ClientUnaryCall;
  configureReplication(argument: _stratum_agent_v1_ConfigureReplicationRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_ConfigureReplicationResponse__Output>): grpc.ClientUnaryCall;
  configureReplication(argument: _stratum_agent_v1_ConfigureReplicationRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_ConfigureReplicationResponse__Output>): grpc.ClientUnaryCall;
  configureReplication(argument: _stratum_agent_v1_ConfigureReplicationRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_ConfigureReplicationResponse__Output>): grpc.ClientUnaryCall;
  configureReplication(argument: _stratum_agent_v1_ConfigureReplicationRequest, callback: grpc.requestCallback<_stratum_agent_v1_ConfigureReplicationResponse__Output>): grpc.ClientUnaryCall;
  
  CreateSnapshot(argument: _stratum_agent_v1_CreateSnapshotRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_CreateSnapshotResponse__Output>): grpc.ClientUnaryCall;
  CreateSnapshot(argument: _stratum_agent_v1_CreateSnapshotRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_CreateSnapshotResponse__Output>): grpc.ClientUnaryCall;
  CreateSnapshot(argument: _stratum_agent_v1_CreateSnapshotRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_CreateSnapshotResponse__Output>): grpc.ClientUnaryCall;
  CreateSnapshot(argument: _stratum_agent_v1_CreateSnapshotRequest, callback: grpc.requestCallback<_stratum_agent_v1_CreateSnapshotResponse__Output>): grpc.ClientUnaryCall;
  createSnapshot(argument: _stratum_agent_v1_CreateSnapshotRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_CreateSnapshotResponse__Output>): grpc.ClientUnaryCall;
  createSnapshot(argument: _stratum_agent_v1_CreateSnapshotRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_CreateSnapshotResponse__Output>): grpc.ClientUnaryCall;
  createSnapshot(argument: _stratum_agent_v1_CreateSnapshotRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_CreateSnapshotResponse__Output>): grpc.ClientUnaryCall;
  createSnapshot(argument: _stratum_agent_v1_CreateSnapshotRequest, callback: grpc.requestCallback<_stratum_agent_v1_CreateSnapshotResponse__Output>): grpc.ClientUnaryCall;
  
  CreateVolume(argument: _stratum_agent_v1_CreateVolumeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_CreateVolumeResponse__Output>): grpc.ClientUnaryCall;
  CreateVolume(argument: _stratum_agent_v1_CreateVolumeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_CreateVolumeResponse__Output>): grpc.ClientUnaryCall;
  CreateVolume(argument: _stratum_agent_v1_CreateVolumeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_CreateVolumeResponse__Output>): grpc.ClientUnaryCall;
  CreateVolume(argument: _stratum_agent_v1_CreateVolumeRequest, callback: grpc.requestCallback<_stratum_agent_v1_CreateVolumeResponse__Output>): grpc.ClientUnaryCall;
  createVolume(argument: _stratum_agent_v1_CreateVolumeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_CreateVolumeResponse__Output>): grpc.ClientUnaryCall;
  createVolume(argument: _stratum_agent_v1_CreateVolumeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_CreateVolumeResponse__Output>): grpc.ClientUnaryCall;
  createVolume(argument: _stratum_agent_v1_CreateVolumeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_CreateVolumeResponse__Output>): grpc.ClientUnaryCall;
  createVolume(argument: _stratum_agent_v1_CreateVolumeRequest, callback: grpc.requestCallback<_stratum_agent_v1_CreateVolumeResponse__Output>): grpc.ClientUnaryCall;
  
  DeletePool(argument: _stratum_agent_v1_DeletePoolRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_DeletePoolResponse__Output>): grpc.ClientUnaryCall;
  DeletePool(argument: _stratum_agent_v1_DeletePoolRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_DeletePoolResponse__Output>): grpc.ClientUnaryCall;
  DeletePool(argument: _stratum_agent_v1_DeletePoolRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_DeletePoolResponse__Output>): grpc.ClientUnaryCall;
  DeletePool(argument: _stratum_agent_v1_DeletePoolRequest, callback: grpc.requestCallback<_stratum_agent_v1_DeletePoolResponse__Output>): grpc.ClientUnaryCall;
  deletePool(argument: _stratum_agent_v1_DeletePoolRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_DeletePoolResponse__Output>): grpc.ClientUnaryCall;
  deletePool(argument: _stratum_agent_v1_DeletePoolRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_DeletePoolResponse__Output>): grpc.ClientUnaryCall;
  deletePool(argument: _stratum_agent_v1_DeletePoolRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_DeletePoolResponse__Output>): grpc.ClientUnaryCall;
  deletePool(argument: _stratum_agent_v1_DeletePoolRequest, callback: grpc.requestCallback<_stratum_agent_v1_DeletePoolResponse__Output>): grpc.ClientUnaryCall;
  
  DeleteSnapshot(argument: _stratum_agent_v1_DeleteSnapshotRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_DeleteSnapshotResponse__Output>): grpc.ClientUnaryCall;
  DeleteSnapshot(argument: _stratum_agent_v1_DeleteSnapshotRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_DeleteSnapshotResponse__Output>): grpc.ClientUnaryCall;
  DeleteSnapshot(argument: _stratum_agent_v1_DeleteSnapshotRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_DeleteSnapshotResponse__Output>): grpc.ClientUnaryCall;
  DeleteSnapshot(argument: _stratum_agent_v1_DeleteSnapshotRequest, callback: grpc.requestCallback<_stratum_agent_v1_DeleteSnapshotResponse__Output>): grpc.ClientUnaryCall;
  deleteSnapshot(argument: _stratum_agent_v1_DeleteSnapshotRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_DeleteSnapshotResponse__Output>): grpc.ClientUnaryCall;
  deleteSnapshot(argument: _stratum_agent_v1_DeleteSnapshotRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_DeleteSnapshotResponse__Output>): grpc.ClientUnaryCall;
  deleteSnapshot(argument: _stratum_agent_v1_DeleteSnapshotRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_DeleteSnapshotResponse__Output>): grpc.ClientUnaryCall;
  deleteSnapshot(argument: _stratum_agent_v1_DeleteSnapshotRequest, callback: grpc.requestCallback<_stratum_agent_v1_DeleteSnapshotResponse__Output>): grpc.ClientUnaryCall;
  
  DeleteVolume(argument: _stratum_agent_v1_DeleteVolumeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_DeleteVolumeResponse__Output>): grpc.ClientUnaryCall;
  DeleteVolume(argument: _stratum_agent_v1_DeleteVolumeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_DeleteVolumeResponse__Output>): grpc.ClientUnaryCall;
  DeleteVolume(argument: _stratum_agent_v1_DeleteVolumeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_DeleteVolumeResponse__Output>): grpc.ClientUnaryCall;
  DeleteVolume(argument: _stratum_agent_v1_DeleteVolumeRequest, callback: grpc.requestCallback<_stratum_agent_v1_DeleteVolumeResponse__Output>): grpc.ClientUnaryCall;
  deleteVolume(argument: _stratum_agent_v1_DeleteVolumeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_DeleteVolumeResponse__Output>): grpc.ClientUnaryCall;
  deleteVolume(argument: _stratum_agent_v1_DeleteVolumeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_DeleteVolumeResponse__Output>): grpc.ClientUnaryCall;
  deleteVolume(argument: _stratum_agent_v1_DeleteVolumeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_DeleteVolumeResponse__Output>): grpc.ClientUnaryCall;
  deleteVolume(argument: _stratum_agent_v1_DeleteVolumeRequest, callback: grpc.requestCallback<_stratum_agent_v1_DeleteVolumeResponse__Output>): grpc.ClientUnaryCall;
  
  Demote(argument: _stratum_agent_v1_DemoteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_DemoteResponse__Output>): grpc.ClientUnaryCall;
  Demote(argument: _stratum_agent_v1_DemoteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_DemoteResponse__Output>): grpc.ClientUnaryCall;
  Demote(argument: _stratum_agent_v1_DemoteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_DemoteResponse__Output>): grpc.ClientUnaryCall;
  Demote(argument: _stratum_agent_v1_DemoteRequest, callback: grpc.requestCallback<_stratum_agent_v1_DemoteResponse__Output>): grpc.ClientUnaryCall;
  demote(argument: _stratum_agent_v1_DemoteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_DemoteResponse__Output>): grpc.ClientUnaryCall;
  demote(argument: _stratum_agent_v1_DemoteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_DemoteResponse__Output>): grpc.ClientUnaryCall;
  demote(argument: _stratum_agent_v1_DemoteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_DemoteResponse__Output>): grpc.ClientUnaryCall;
  demote(argument: _stratum_agent_v1_DemoteRequest, callback: grpc.requestCallback<_stratum_agent_v1_DemoteResponse__Output>): grpc.ClientUnaryCall;
  
  EnsurePool(argument: _stratum_agent_v1_EnsurePoolRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_EnsurePoolResponse__Output>): grpc.ClientUnaryCall;
  EnsurePool(argument: _stratum_agent_v1_EnsurePoolRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_EnsurePoolResponse__Output>): grpc.ClientUnaryCall;
  EnsurePool(argument: _stratum_agent_v1_EnsurePoolRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_EnsurePoolResponse__Output>): grpc.ClientUnaryCall;
  EnsurePool(argument: _stratum_agent_v1_EnsurePoolRequest, callback: grpc.requestCallback<_stratum_agent_v1_EnsurePoolResponse__Output>): grpc.ClientUnaryCall;
  ensurePool(argument: _stratum_agent_v1_EnsurePoolRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_EnsurePoolResponse__Output>): grpc.ClientUnaryCall;
  ensurePool(argument: _stratum_agent_v1_EnsurePoolRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_EnsurePoolResponse__Output>): grpc.ClientUnaryCall;
  ensurePool(argument: _stratum_agent_v1_EnsurePoolRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_EnsurePoolResponse__Output>): grpc.ClientUnaryCall;
  ensurePool(argument: _stratum_agent_v1_EnsurePoolRequest, callback: grpc.requestCallback<_stratum_agent_v1_EnsurePoolResponse__Output>): grpc.ClientUnaryCall;
  
  ExpandVolume(argument: _stratum_agent_v1_ExpandVolumeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_ExpandVolumeResponse__Output>): grpc.ClientUnaryCall;
  ExpandVolume(argument: _stratum_agent_v1_ExpandVolumeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_ExpandVolumeResponse__Output>): grpc.ClientUnaryCall;
  ExpandVolume(argument: _stratum_agent_v1_ExpandVolumeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_ExpandVolumeResponse__Output>): grpc.ClientUnaryCall;
  ExpandVolume(argument: _stratum_agent_v1_ExpandVolumeRequest, callback: grpc.requestCallback<_stratum_agent_v1_ExpandVolumeResponse__Output>): grpc.ClientUnaryCall;
  expandVolume(argument: _stratum_agent_v1_ExpandVolumeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_ExpandVolumeResponse__Output>): grpc.ClientUnaryCall;
  expandVolume(argument: _stratum_agent_v1_ExpandVolumeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_ExpandVolumeResponse__Output>): grpc.ClientUnaryCall;
  expandVolume(argument: _stratum_agent_v1_ExpandVolumeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_ExpandVolumeResponse__Output>): grpc.ClientUnaryCall;
  expandVolume(argument: _stratum_agent_v1_ExpandVolumeRequest, callback: grpc.requestCallback<_stratum_agent_v1_ExpandVolumeResponse__Output>): grpc.ClientUnaryCall;
  
  ExpectVolume(argument: _stratum_agent_v1_ExpectVolumeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_ExpectVolumeResponse__Output>): grpc.ClientUnaryCall;
  ExpectVolume(argument: _stratum_agent_v1_ExpectVolumeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_ExpectVolumeResponse__Output>): grpc.ClientUnaryCall;
  ExpectVolume(argument: _stratum_agent_v1_ExpectVolumeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_ExpectVolumeResponse__Output>): grpc.ClientUnaryCall;
  ExpectVolume(argument: _stratum_agent_v1_ExpectVolumeRequest, callback: grpc.requestCallback<_stratum_agent_v1_ExpectVolumeResponse__Output>): grpc.ClientUnaryCall;
  expectVolume(argument: _stratum_agent_v1_ExpectVolumeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_ExpectVolumeResponse__Output>): grpc.ClientUnaryCall;
  expectVolume(argument: _stratum_agent_v1_ExpectVolumeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_ExpectVolumeResponse__Output>): grpc.ClientUnaryCall;
  expectVolume(argument: _stratum_agent_v1_ExpectVolumeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_ExpectVolumeResponse__Output>): grpc.ClientUnaryCall;
  expectVolume(argument: _stratum_agent_v1_ExpectVolumeRequest, callback: grpc.requestCallback<_stratum_agent_v1_ExpectVolumeResponse__Output>): grpc.ClientUnaryCall;
  
  GetCopyProgress(argument: _stratum_agent_v1_GetCopyProgressRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_CopyProgress__Output>): grpc.ClientUnaryCall;
  GetCopyProgress(argument: _stratum_agent_v1_GetCopyProgressRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_CopyProgress__Output>): grpc.ClientUnaryCall;
  GetCopyProgress(argument: _stratum_agent_v1_GetCopyProgressRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_CopyProgress__Output>): grpc.ClientUnaryCall;
  GetCopyProgress(argument: _stratum_agent_v1_GetCopyProgressRequest, callback: grpc.requestCallback<_stratum_agent_v1_CopyProgress__Output>): grpc.ClientUnaryCall;
  getCopyProgress(argument: _stratum_agent_v1_GetCopyProgressRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_CopyProgress__Output>): grpc.ClientUnaryCall;
  getCopyProgress(argument: _stratum_agent_v1_GetCopyProgressRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_CopyProgress__Output>): grpc.ClientUnaryCall;
  getCopyProgress(argument: _stratum_agent_v1_GetCopyProgressRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_CopyProgress__Output>): grpc.ClientUnaryCall;
  getCopyProgress(argument: _stratum_agent_v1_GetCopyProgressRequest, callback: grpc.requestCallback<_stratum_agent_v1_CopyProgress__Output>): grpc.ClientUnaryCall;
  
  GetNodeInfo(argument: _stratum_agent_v1_GetNodeInfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_GetNodeInfoResponse__Output>): grpc.ClientUnaryCall;
  GetNodeInfo(argument: _stratum_agent_v1_GetNodeInfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_GetNodeInfoResponse__Output>): grpc.ClientUnaryCall;
  GetNodeInfo(argument: _stratum_agent_v1_GetNodeInfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_GetNodeInfoResponse__Output>): grpc.ClientUnaryCall;
  GetNodeInfo(argument: _stratum_agent_v1_GetNodeInfoRequest, callback: grpc.requestCallback<_stratum_agent_v1_GetNodeInfoResponse__Output>): grpc.ClientUnaryCall;
  getNodeInfo(argument: _stratum_agent_v1_GetNodeInfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_GetNodeInfoResponse__Output>): grpc.ClientUnaryCall;
  getNodeInfo(argument: _stratum_agent_v1_GetNodeInfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_GetNodeInfoResponse__Output>): grpc.ClientUnaryCall;
  getNodeInfo(argument: _stratum_agent_v1_GetNodeInfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_GetNodeInfoResponse__Output>): grpc.ClientUnaryCall;
  getNodeInfo(argument: _stratum_agent_v1_GetNodeInfoRequest, callback: grpc.requestCallback<_stratum_agent_v1_GetNodeInfoResponse__Output>): grpc.ClientUnaryCall;
  
  GetReplicationStatus(argument: _stratum_agent_v1_GetReplicationStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_ReplicationStatus__Output>): grpc.ClientUnaryCall;
  GetReplicationStatus(argument: _stratum_agent_v1_GetReplicationStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_ReplicationStatus__Output>): grpc.ClientUnaryCall;
  GetReplicationStatus(argument: _stratum_agent_v1_GetReplicationStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_ReplicationStatus__Output>): grpc.ClientUnaryCall;
  GetReplicationStatus(argument: _stratum_agent_v1_GetReplicationStatusRequest, callback: grpc.requestCallback<_stratum_agent_v1_ReplicationStatus__Output>): grpc.ClientUnaryCall;
  getReplicationStatus(argument: _stratum_agent_v1_GetReplicationStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_ReplicationStatus__Output>): grpc.ClientUnaryCall;
  getReplicationStatus(argument: _stratum_agent_v1_GetReplicationStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_ReplicationStatus__Output>): grpc.ClientUnaryCall;
  getReplicationStatus(argument: _stratum_agent_v1_GetReplicationStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_ReplicationStatus__Output>): grpc.ClientUnaryCall;
  getReplicationStatus(argument: _stratum_agent_v1_GetReplicationStatusRequest, callback: grpc.requestCallback<_stratum_agent_v1_ReplicationStatus__Output>): grpc.ClientUnaryCall;
  
  ListDisks(argument: _stratum_agent_v1_ListDisksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_ListDisksResponse__Output>): grpc.ClientUnaryCall;
  ListDisks(argument: _stratum_agent_v1_ListDisksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_ListDisksResponse__Output>): grpc.ClientUnaryCall;
  ListDisks(argument: _stratum_agent_v1_ListDisksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_ListDisksResponse__Output>): grpc.ClientUnaryCall;
  ListDisks(argument: _stratum_agent_v1_ListDisksRequest, callback: grpc.requestCallback<_stratum_agent_v1_ListDisksResponse__Output>): grpc.ClientUnaryCall;
  listDisks(argument: _stratum_agent_v1_ListDisksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_ListDisksResponse__Output>): grpc.ClientUnaryCall;
  listDisks(argument: _stratum_agent_v1_ListDisksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_ListDisksResponse__Output>): grpc.ClientUnaryCall;
  listDisks(argument: _stratum_agent_v1_ListDisksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_ListDisksResponse__Output>): grpc.ClientUnaryCall;
  listDisks(argument: _stratum_agent_v1_ListDisksRequest, callback: grpc.requestCallback<_stratum_agent_v1_ListDisksResponse__Output>): grpc.ClientUnaryCall;
  
  ListPools(argument: _stratum_agent_v1_ListPoolsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_ListPoolsResponse__Output>): grpc.ClientUnaryCall;
  ListPools(argument: _stratum_agent_v1_ListPoolsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_ListPoolsResponse__Output>): grpc.ClientUnaryCall;
  ListPools(argument: _stratum_agent_v1_ListPoolsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_ListPoolsResponse__Output>): grpc.ClientUnaryCall;
  ListPools(argument: _stratum_agent_v1_ListPoolsRequest, callback: grpc.requestCallback<_stratum_agent_v1_ListPoolsResponse__Output>): grpc.ClientUnaryCall;
  listPools(argument: _stratum_agent_v1_ListPoolsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_ListPoolsResponse__Output>): grpc.ClientUnaryCall;
  listPools(argument: _stratum_agent_v1_ListPoolsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_ListPoolsResponse__Output>): grpc.ClientUnaryCall;
  listPools(argument: _stratum_agent_v1_ListPoolsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_ListPoolsResponse__Output>): grpc.ClientUnaryCall;
  listPools(argument: _stratum_agent_v1_ListPoolsRequest, callback: grpc.requestCallback<_stratum_agent_v1_ListPoolsResponse__Output>): grpc.ClientUnaryCall;
  
  ListSnapshots(argument: _stratum_agent_v1_ListSnapshotsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_ListSnapshotsResponse__Output>): grpc.ClientUnaryCall;
  ListSnapshots(argument: _stratum_agent_v1_ListSnapshotsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_ListSnapshotsResponse__Output>): grpc.ClientUnaryCall;
  ListSnapshots(argument: _stratum_agent_v1_ListSnapshotsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_ListSnapshotsResponse__Output>): grpc.ClientUnaryCall;
  ListSnapshots(argument: _stratum_agent_v1_ListSnapshotsRequest, callback: grpc.requestCallback<_stratum_agent_v1_ListSnapshotsResponse__Output>): grpc.ClientUnaryCall;
  listSnapshots(argument: _stratum_agent_v1_ListSnapshotsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_ListSnapshotsResponse__Output>): grpc.ClientUnaryCall;
  listSnapshots(argument: _stratum_agent_v1_ListSnapshotsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_ListSnapshotsResponse__Output>): grpc.ClientUnaryCall;
  listSnapshots(argument: _stratum_agent_v1_ListSnapshotsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_ListSnapshotsResponse__Output>): grpc.ClientUnaryCall;
  listSnapshots(argument: _stratum_agent_v1_ListSnapshotsRequest, callback: grpc.requestCallback<_stratum_agent_v1_ListSnapshotsResponse__Output>): grpc.ClientUnaryCall;
  
  ListVolumes(argument: _stratum_agent_v1_ListVolumesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_ListVolumesResponse__Output>): grpc.ClientUnaryCall;
  ListVolumes(argument: _stratum_agent_v1_ListVolumesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_ListVolumesResponse__Output>): grpc.ClientUnaryCall;
  ListVolumes(argument: _stratum_agent_v1_ListVolumesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_ListVolumesResponse__Output>): grpc.ClientUnaryCall;
  ListVolumes(argument: _stratum_agent_v1_ListVolumesRequest, callback: grpc.requestCallback<_stratum_agent_v1_ListVolumesResponse__Output>): grpc.ClientUnaryCall;
  listVolumes(argument: _stratum_agent_v1_ListVolumesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_ListVolumesResponse__Output>): grpc.ClientUnaryCall;
  listVolumes(argument: _stratum_agent_v1_ListVolumesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_ListVolumesResponse__Output>): grpc.ClientUnaryCall;
  listVolumes(argument: _stratum_agent_v1_ListVolumesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_ListVolumesResponse__Output>): grpc.ClientUnaryCall;
  listVolumes(argument: _stratum_agent_v1_ListVolumesRequest, callback: grpc.requestCallback<_stratum_agent_v1_ListVolumesResponse__Output>): grpc.ClientUnaryCall;
  
  Promote(argument: _stratum_agent_v1_PromoteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_PromoteResponse__Output>): grpc.ClientUnaryCall;
  Promote(argument: _stratum_agent_v1_PromoteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_PromoteResponse__Output>): grpc.ClientUnaryCall;
  Promote(argument: _stratum_agent_v1_PromoteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_PromoteResponse__Output>): grpc.ClientUnaryCall;
  Promote(argument: _stratum_agent_v1_PromoteRequest, callback: grpc.requestCallback<_stratum_agent_v1_PromoteResponse__Output>): grpc.ClientUnaryCall;
  promote(argument: _stratum_agent_v1_PromoteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_PromoteResponse__Output>): grpc.ClientUnaryCall;
  promote(argument: _stratum_agent_v1_PromoteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_PromoteResponse__Output>): grpc.ClientUnaryCall;
  promote(argument: _stratum_agent_v1_PromoteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_PromoteResponse__Output>): grpc.ClientUnaryCall;
  promote(argument: _stratum_agent_v1_PromoteRequest, callback: grpc.requestCallback<_stratum_agent_v1_PromoteResponse__Output>): grpc.ClientUnaryCall;
  
  ReceiveVolume(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_ReceiveVolumeResponse__Output>): grpc.ClientWritableStream<_stratum_agent_v1_VolumeChunk>;
  ReceiveVolume(metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_ReceiveVolumeResponse__Output>): grpc.ClientWritableStream<_stratum_agent_v1_VolumeChunk>;
  ReceiveVolume(options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_ReceiveVolumeResponse__Output>): grpc.ClientWritableStream<_stratum_agent_v1_VolumeChunk>;
  ReceiveVolume(callback: grpc.requestCallback<_stratum_agent_v1_ReceiveVolumeResponse__Output>): grpc.ClientWritableStream<_stratum_agent_v1_VolumeChunk>;
  receiveVolume(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_ReceiveVolumeResponse__Output>): grpc.ClientWritableStream<_stratum_agent_v1_VolumeChunk>;
  receiveVolume(metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_ReceiveVolumeResponse__Output>): grpc.ClientWritableStream<_stratum_agent_v1_VolumeChunk>;
  receiveVolume(options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_ReceiveVolumeResponse__Output>): grpc.ClientWritableStream<_stratum_agent_v1_VolumeChunk>;
  receiveVolume(callback: grpc.requestCallback<_stratum_agent_v1_ReceiveVolumeResponse__Output>): grpc.ClientWritableStream<_stratum_agent_v1_VolumeChunk>;
  
  RemoveReplication(argument: _stratum_agent_v1_RemoveReplicationRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_RemoveReplicationResponse__Output>): grpc.ClientUnaryCall;
  RemoveReplication(argument: _stratum_agent_v1_RemoveReplicationRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_RemoveReplicationResponse__Output>): grpc.ClientUnaryCall;
  RemoveReplication(argument: _stratum_agent_v1_RemoveReplicationRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_RemoveReplicationResponse__Output>): grpc.ClientUnaryCall;
  RemoveReplication(argument: _stratum_agent_v1_RemoveReplicationRequest, callback: grpc.requestCallback<_stratum_agent_v1_RemoveReplicationResponse__Output>): grpc.ClientUnaryCall;
  removeReplication(argument: _stratum_agent_v1_RemoveReplicationRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_RemoveReplicationResponse__Output>): grpc.ClientUnaryCall;
  removeReplication(argument: _stratum_agent_v1_RemoveReplicationRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_RemoveReplicationResponse__Output>): grpc.ClientUnaryCall;
  removeReplication(argument: _stratum_agent_v1_RemoveReplicationRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_RemoveReplicationResponse__Output>): grpc.ClientUnaryCall;
  removeReplication(argument: _stratum_agent_v1_RemoveReplicationRequest, callback: grpc.requestCallback<_stratum_agent_v1_RemoveReplicationResponse__Output>): grpc.ClientUnaryCall;
  
  SendVolume(argument: _stratum_agent_v1_SendVolumeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_SendVolumeResponse__Output>): grpc.ClientUnaryCall;
  SendVolume(argument: _stratum_agent_v1_SendVolumeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_SendVolumeResponse__Output>): grpc.ClientUnaryCall;
  SendVolume(argument: _stratum_agent_v1_SendVolumeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_SendVolumeResponse__Output>): grpc.ClientUnaryCall;
  SendVolume(argument: _stratum_agent_v1_SendVolumeRequest, callback: grpc.requestCallback<_stratum_agent_v1_SendVolumeResponse__Output>): grpc.ClientUnaryCall;
  sendVolume(argument: _stratum_agent_v1_SendVolumeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_SendVolumeResponse__Output>): grpc.ClientUnaryCall;
  sendVolume(argument: _stratum_agent_v1_SendVolumeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_stratum_agent_v1_SendVolumeResponse__Output>): grpc.ClientUnaryCall;
  sendVolume(argument: _stratum_agent_v1_SendVolumeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_stratum_agent_v1_SendVolumeResponse__Output>): grpc.ClientUnaryCall;
  sendVolume(argument: _stratum_agent_v1_SendVolumeRequest, callback: grpc.requestCallback<_stratum_agent_v1_SendVolumeResponse__Output>): grpc.ClientUnaryCall;
  
  WatchDisks(argument: _stratum_agent_v1_WatchDisksRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_stratum_agent_v1_DiskEvent__Output>;
  WatchDisks(argument: _stratum_agent_v1_WatchDisksRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_stratum_agent_v1_DiskEvent__Output>;
  watchDisks(argument: _stratum_agent_v1_WatchDisksRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_stratum_agent_v1_DiskEvent__Output>;
  watchDisks(argument: _stratum_agent_v1_WatchDisksRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_stratum_agent_v1_DiskEvent__Output>;
  
}

export interface AgentHandlers extends grpc.UntypedServiceImplementation {
  ConfigureReplication: grpc.handleUnaryCall<_stratum_agent_v1_ConfigureReplicationRequest__Output, _stratum_agent_v1_ConfigureReplicationResponse>;
  
  CreateSnapshot: grpc.handleUnaryCall<_stratum_agent_v1_CreateSnapshotRequest__Output, _stratum_agent_v1_CreateSnapshotResponse>;
  
  CreateVolume: grpc.handleUnaryCall<_stratum_agent_v1_CreateVolumeRequest__Output, _stratum_agent_v1_CreateVolumeResponse>;
  
  DeletePool: grpc.handleUnaryCall<_stratum_agent_v1_DeletePoolRequest__Output, _stratum_agent_v1_DeletePoolResponse>;
  
  DeleteSnapshot: grpc.handleUnaryCall<_stratum_agent_v1_DeleteSnapshotRequest__Output, _stratum_agent_v1_DeleteSnapshotResponse>;
  
  DeleteVolume: grpc.handleUnaryCall<_stratum_agent_v1_DeleteVolumeRequest__Output, _stratum_agent_v1_DeleteVolumeResponse>;
  
  Demote: grpc.handleUnaryCall<_stratum_agent_v1_DemoteRequest__Output, _stratum_agent_v1_DemoteResponse>;
  
  EnsurePool: grpc.handleUnaryCall<_stratum_agent_v1_EnsurePoolRequest__Output, _stratum_agent_v1_EnsurePoolResponse>;
  
  ExpandVolume: grpc.handleUnaryCall<_stratum_agent_v1_ExpandVolumeRequest__Output, _stratum_agent_v1_ExpandVolumeResponse>;
  
  ExpectVolume: grpc.handleUnaryCall<_stratum_agent_v1_ExpectVolumeRequest__Output, _stratum_agent_v1_ExpectVolumeResponse>;
  
  GetCopyProgress: grpc.handleUnaryCall<_stratum_agent_v1_GetCopyProgressRequest__Output, _stratum_agent_v1_CopyProgress>;
  
  GetNodeInfo: grpc.handleUnaryCall<_stratum_agent_v1_GetNodeInfoRequest__Output, _stratum_agent_v1_GetNodeInfoResponse>;
  
  GetReplicationStatus: grpc.handleUnaryCall<_stratum_agent_v1_GetReplicationStatusRequest__Output, _stratum_agent_v1_ReplicationStatus>;
  
  ListDisks: grpc.handleUnaryCall<_stratum_agent_v1_ListDisksRequest__Output, _stratum_agent_v1_ListDisksResponse>;
  
  ListPools: grpc.handleUnaryCall<_stratum_agent_v1_ListPoolsRequest__Output, _stratum_agent_v1_ListPoolsResponse>;
  
  ListSnapshots: grpc.handleUnaryCall<_stratum_agent_v1_ListSnapshotsRequest__Output, _stratum_agent_v1_ListSnapshotsResponse>;
  
  ListVolumes: grpc.handleUnaryCall<_stratum_agent_v1_ListVolumesRequest__Output, _stratum_agent_v1_ListVolumesResponse>;
  
  Promote: grpc.handleUnaryCall<_stratum_agent_v1_PromoteRequest__Output, _stratum_agent_v1_PromoteResponse>;
  
  ReceiveVolume: grpc.handleClientStreamingCall<_stratum_agent_v1_VolumeChunk__Output, _stratum_agent_v1_ReceiveVolumeResponse>;
  
  RemoveReplication: grpc.handleUnaryCall<_stratum_agent_v1_RemoveReplicationRequest__Output, _stratum_agent_v1_RemoveReplicationResponse>;
  
  SendVolume: grpc.handleUnaryCall<_stratum_agent_v1_SendVolumeRequest__Output, _stratum_agent_v1_SendVolumeResponse>;
  
  WatchDisks: grpc.handleServerStreamingCall<_stratum_agent_v1_WatchDisksRequest__Output, _stratum_agent_v1_DiskEvent>;
  
}

export interface AgentDefinition extends grpc.ServiceDefinition {
  ConfigureReplication: MethodDefinition<_stratum_agent_v1_ConfigureReplicationRequest, _stratum_agent_v1_ConfigureReplicationResponse, _stratum_agent_v1_ConfigureReplicationRequest__Output, _stratum_agent_v1_ConfigureReplicationResponse__Output>
  CreateSnapshot: MethodDefinition<_stratum_agent_v1_CreateSnapshotRequest, _stratum_agent_v1_CreateSnapshotResponse, _stratum_agent_v1_CreateSnapshotRequest__Output, _stratum_agent_v1_CreateSnapshotResponse__Output>
  CreateVolume: MethodDefinition<_stratum_agent_v1_CreateVolumeRequest, _stratum_agent_v1_CreateVolumeResponse, _stratum_agent_v1_CreateVolumeRequest__Output, _stratum_agent_v1_CreateVolumeResponse__Output>
  DeletePool: MethodDefinition<_stratum_agent_v1_DeletePoolRequest, _stratum_agent_v1_DeletePoolResponse, _stratum_agent_v1_DeletePoolRequest__Output, _stratum_agent_v1_DeletePoolResponse__Output>
  DeleteSnapshot: MethodDefinition<_stratum_agent_v1_DeleteSnapshotRequest, _stratum_agent_v1_DeleteSnapshotResponse, _stratum_agent_v1_DeleteSnapshotRequest__Output, _stratum_agent_v1_DeleteSnapshotResponse__Output>
  DeleteVolume: MethodDefinition<_stratum_agent_v1_DeleteVolumeRequest, _stratum_agent_v1_DeleteVolumeResponse, _stratum_agent_v1_DeleteVolumeRequest__Output, _stratum_agent_v1_DeleteVolumeResponse__Output>
  Demote: MethodDefinition<_stratum_agent_v1_DemoteRequest, _stratum_agent_v1_DemoteResponse, _stratum_agent_v1_DemoteRequest__Output, _stratum_agent_v1_DemoteResponse__Output>
  EnsurePool: MethodDefinition<_stratum_agent_v1_EnsurePoolRequest, _stratum_agent_v1_EnsurePoolResponse, _stratum_agent_v1_EnsurePoolRequest__Output, _stratum_agent_v1_EnsurePoolResponse__Output>
  ExpandVolume: MethodDefinition<_stratum_agent_v1_ExpandVolumeRequest, _stratum_agent_v1_ExpandVolumeResponse, _stratum_agent_v1_ExpandVolumeRequest__Output, _stratum_agent_v1_ExpandVolumeResponse__Output>
  ExpectVolume: MethodDefinition<_stratum_agent_v1_ExpectVolumeRequest, _stratum_agent_v1_ExpectVolumeResponse, _stratum_agent_v1_ExpectVolumeRequest__Output, _stratum_agent_v1_ExpectVolumeResponse__Output>
  GetCopyProgress: MethodDefinition<_stratum_agent_v1_GetCopyProgressRequest, _stratum_agent_v1_CopyProgress, _stratum_agent_v1_GetCopyProgressRequest__Output, _stratum_agent_v1_CopyProgress__Output>
  GetNodeInfo: MethodDefinition<_stratum_agent_v1_GetNodeInfoRequest, _stratum_agent_v1_GetNodeInfoResponse, _stratum_agent_v1_GetNodeInfoRequest__Output, _stratum_agent_v1_GetNodeInfoResponse__Output>
  GetReplicationStatus: MethodDefinition<_stratum_agent_v1_GetReplicationStatusRequest, _stratum_agent_v1_ReplicationStatus, _stratum_agent_v1_GetReplicationStatusRequest__Output, _stratum_agent_v1_ReplicationStatus__Output>
  ListDisks: MethodDefinition<_stratum_agent_v1_ListDisksRequest, _stratum_agent_v1_ListDisksResponse, _stratum_agent_v1_ListDisksRequest__Output, _stratum_agent_v1_ListDisksResponse__Output>
  ListPools: MethodDefinition<_stratum_agent_v1_ListPoolsRequest, _stratum_agent_v1_ListPoolsResponse, _stratum_agent_v1_ListPoolsRequest__Output, _stratum_agent_v1_ListPoolsResponse__Output>
  ListSnapshots: MethodDefinition<_stratum_agent_v1_ListSnapshotsRequest, _stratum_agent_v1_ListSnapshotsResponse, _stratum_agent_v1_ListSnapshotsRequest__Output, _stratum_agent_v1_ListSnapshotsResponse__Output>
  ListVolumes: MethodDefinition<_stratum_agent_v1_ListVolumesRequest, _stratum_agent_v1_ListVolumesResponse, _stratum_agent_v1_ListVolumesRequest__Output, _stratum_agent_v1_ListVolumesResponse__Output>
  Promote: MethodDefinition<_stratum_agent_v1_PromoteRequest, _stratum_agent_v1_PromoteResponse, _stratum_agent_v1_PromoteRequest__Output, _stratum_agent_v1_PromoteResponse__Output>
  ReceiveVolume: MethodDefinition<_stratum_agent_v1_VolumeChunk, _stratum_agent_v1_ReceiveVolumeResponse, _stratum_agent_v1_VolumeChunk__Output, _stratum_agent_v1_ReceiveVolumeResponse__Output>
  RemoveReplication: MethodDefinition<_stratum_agent_v1_RemoveReplicationRequest, _stratum_agent_v1_RemoveReplicationResponse, _stratum_agent_v1_RemoveReplicationRequest__Output, _stratum_agent_v1_RemoveReplicationResponse__Output>
  SendVolume: MethodDefinition<_stratum_agent_v1_SendVolumeRequest, _stratum_agent_v1_SendVolumeResponse, _stratum_agent_v1_SendVolumeRequest__Output, _stratum_agent_v1_SendVolumeResponse__Output>
  WatchDisks: MethodDefinition<_stratum_agent_v1_WatchDisksRequest, _stratum_agent_v1_DiskEvent, _stratum_agent_v1_WatchDisksRequest__Output, _stratum_agent_v1_DiskEvent__Output>
}
