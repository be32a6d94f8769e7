// Which volumes a change of their pool wakes: those still to be placed, short of replicas or
// moving; not Ready ones, nor ones that wait on their replicas or, Lost, on their node.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LocalVolume } from '../../src/api/index.ts';
import { waitsOnPool } from '../../src/operator/volumes/localvolume-reconciler.ts';

const withPhase = (phase?: string) => ({ status: phase ? { phase } : undefined }) as unknown as LocalVolume;

const cases: [string | undefined, boolean, boolean][] = [
  [undefined, false, true],
  [undefined, true, false],
  ['Pending', true, true],
  ['Degraded', true, true],
  ['Migrating', true, true],
  ['Ready', true, false],
  ['Creating', true, false],
  ['Expanding', true, false],
  ['Deleting', true, false],
  ['Lost', true, false],
];

for (const [phase, hasReplicas, wakes] of cases)
  test(`${phase ?? 'no phase'}${hasReplicas ? ', with replicas' : ''}: ${wakes ? 'woken' : 'left alone'} by its pool`, () => {
    assert.is(waitsOnPool(withPhase(phase), hasReplicas), wakes);
  });

test.run();
