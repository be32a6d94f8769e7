// Where an agent keeps its copy markers: beside its other state.
import path from 'node:path';
import type { AgentConfig } from '../config.ts';
import { CopyMarkers } from './markers.ts';

export function copyMarkersFor(config: Pick<AgentConfig, 'stateDir'>): CopyMarkers {
  return new CopyMarkers(path.join(config.stateDir, 'copies'));
}
