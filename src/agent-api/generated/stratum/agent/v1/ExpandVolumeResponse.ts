// Original file: proto/agent/v1/agent.proto

import type { Volume as _stratum_agent_v1_Volume, Volume__Output as _stratum_agent_v1_Volume__Output } from '../../../stratum/agent/v1/Volume.ts';

export interface ExpandVolumeResponse {
  'volume'?: (_stratum_agent_v1_Volume | null);
  'expanded'?: (boolean);
}

export interface ExpandVolumeResponse__Output {
  'volume': (_stratum_agent_v1_Volume__Output | null);
  'expanded': (boolean);
}
