// The drbdadm steps of a replica's life — up, promote, demote, resize, down — each either run for
// real (needs the DRBD kernel module) or as a dry run that returns the drbdsetup/drbdmeta commands
// drbdadm would issue. Where the module is missing, the dry run is all that can be shown.
import { CommandError } from '../../common/exec.ts';
import type { CallOptions, Drbdadm } from './drbdadm.ts';
import { MAX_REPLICAS } from '../../api/localvolume.ts';

/** `adjust` makes the running resource match its file: a full `up` when it is down, a no-op when it matches. */
export const UP = ['adjust'] as const;
export const PROMOTE = ['primary'] as const;
export const DEMOTE = ['secondary'] as const;
export const RESIZE = ['resize'] as const;
export const DOWN = ['down'] as const;
/**
 * Makes this replica the source of a full sync although its disk is not UpToDate: only ever for
 * the replica that holds the volume's data, when no replica has UpToDate data (fresh metadata
 * everywhere). See ensureInitialSync in the replication handler.
 */
export const PROMOTE_AS_SYNC_SOURCE = ['primary', '--force'] as const;

/**
 * New metadata, without --force: drbdmeta then refuses to write over metadata it finds (and gets
 * no answer to its question), so only a metadata device that never held any is initialised.
 * DRBD 9 gets bitmap slots for every peer a volume can ever have, so a third replica can join later.
 */
export function createMetadata(drbdadm: Drbdadm): readonly string[] {
  return drbdadm.flavour === '9' ? ['create-md', `--max-peers=${MAX_REPLICAS - 1}`] : ['create-md'];
}

export interface Step {
  readonly file: string;
  readonly resource: string;
  readonly dryRun: boolean;
}

/** Runs (or dry-runs) one drbdadm subcommand; resolves to the commands it issued or would issue. */
export async function runStep(drbdadm: Drbdadm, subcommand: readonly string[], step: Step, call: CallOptions = {}): Promise<string[]> {
  if (step.dryRun) return drbdadm.dryRun(step.file, subcommand, step.resource, call);
  await drbdadm.apply(step.file, subcommand, step.resource, call);
  return [['drbdadm', ...subcommand, step.resource].join(' ')];
}

/**
 * Brings the resource up. On a metadata device that has never carried DRBD metadata, attach fails
 * with "No valid meta data found": then (and only then) the metadata is created and up retried,
 * so existing metadata — and the replica's sync state — is never overwritten.
 */
export async function bringUp(drbdadm: Drbdadm, step: Step, call: CallOptions = {}): Promise<string[]> {
  try {
    return await runStep(drbdadm, UP, step, call);
  } catch (err) {
    if (step.dryRun || !(err instanceof CommandError) || !/no valid meta.?data/i.test(err.stderr)) throw err;
    return [...(await runStep(drbdadm, createMetadata(drbdadm), step, call)), ...(await runStep(drbdadm, UP, step, call))];
  }
}
