// Loads csi.proto (proto/csi/v1, taken unchanged from the official spec module by scripts/csi-proto)
// with the same options as the `gen:csi` script that generates ./generated.
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { PACKAGE_ROOT } from '../../common/package-root.ts';
import type { ProtoGrpcType as CsiProto } from './generated/csi.ts';

export const CSI_PROTO = path.join(PACKAGE_ROOT, 'proto/csi/v1/csi.proto');

export const CSI_LOADER_OPTIONS: protoLoader.Options = { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true };

let csiProto: CsiProto | undefined;

export function loadCsiProto(): CsiProto {
  csiProto ??= grpc.loadPackageDefinition(protoLoader.loadSync(CSI_PROTO, CSI_LOADER_OPTIONS)) as unknown as CsiProto;
  return csiProto;
}
