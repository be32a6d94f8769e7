// One scan of the node's disks: `lsblk` for the block devices, `wipefs --no-act` for signatures,
// sysfs for holders and loop backing files, /dev/disk/by-{id,path} for stable names. Only whole
// disks (and loop devices with a backing file) that pass the agent's disk filter are reported.
import { readdir, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { run } from '../../common/exec.ts';
import type { CallScope } from '../../agent-api/call-scope.ts';
import type { Disk__Output } from '../../agent-api/generated/stratum/agent/v1/Disk.ts';
import { LSBLK_COLUMNS, parseLsblk, parseWipefs, type BlockDevice } from './lsblk.ts';
import { assignIdentities } from './identity.ts';
import { detectMediaClass, usageReasons } from './classify.ts';
import { matchesAny } from './glob.ts';

export interface ScanOptions {
  readonly filter: readonly RegExp[];
  readonly sysBlockDir?: string;
  readonly devDiskDir?: string;
}

/** What a scan finds, before pool ownership is added. */
export type ScannedDisk = Omit<Disk__Output, 'pool' | 'state'>;

const SCANNED_TYPES = new Set(['disk', 'loop']);

async function links(dir: string): Promise<Map<string, string[]>> {
  const byTarget = new Map<string, string[]>();
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const target = await realpath(path.join(dir, name)).catch(() => '');
    if (target) byTarget.set(target, [...(byTarget.get(target) ?? []), path.join(dir, name)]);
  }
  return byTarget;
}

async function readTrim(file: string): Promise<string> {
  return (await readFile(file, 'utf8').catch(() => '')).trim();
}

export async function scanDisks(scope: CallScope, opts: ScanOptions): Promise<ScannedDisk[]> {
  const sys = opts.sysBlockDir ?? '/sys/class/block';
  const devDisk = opts.devDiskDir ?? '/dev/disk';
  const { stdout } = await run('lsblk', ['--json', '--bytes', '-o', LSBLK_COLUMNS], {
    timeoutMs: scope.commandTimeout(30_000),
    signal: scope.signal,
  });
  const [byId, byPath] = await Promise.all([links(path.join(devDisk, 'by-id')), links(path.join(devDisk, 'by-path'))]);

  const candidates: { dev: BlockDevice; backingFile: string; byIdPaths: string[]; byPath: string }[] = [];
  for (const dev of parseLsblk(stdout)) {
    if (!SCANNED_TYPES.has(dev.type) || dev.sizeBytes === 0n || /^(zram|ram)\d/.test(dev.kname)) continue;
    const backingFile = dev.type === 'loop' ? await readTrim(path.join(sys, dev.kname, 'loop/backing_file')) : '';
    if (dev.type === 'loop' && !backingFile) continue;
    const byIdPaths = byId.get(dev.path) ?? [];
    if (!matchesAny(opts.filter, [dev.path, backingFile, ...byIdPaths])) continue;
    candidates.push({ dev, backingFile, byIdPaths, byPath: byPath.get(dev.path)?.[0] ?? '' });
  }
  if (!candidates.length) return [];

  const probe = (devices: typeof candidates) =>
    run('wipefs', ['--no-act', '--json', ...devices.map((c) => c.dev.path)], {
      timeoutMs: scope.commandTimeout(30_000),
      signal: scope.signal,
    });
  let present = candidates;
  let wipefs;
  try {
    wipefs = await probe(present);
  } catch (err) {
    // wipefs fails as a whole when one device went away after lsblk listed it (a disk unplugged
    // during the scan): probe the others again; the one gone is reported missing by the next scan.
    const gone = await Promise.all(
      candidates.map((c) =>
        readdir(path.join(sys, c.dev.kname)).then(
          () => false,
          () => true,
        ),
      ),
    );
    present = candidates.filter((_, i) => !gone[i]);
    if (present.length === candidates.length) throw err;
    if (!present.length) return [];
    wipefs = await probe(present);
  }
  const signatures = parseWipefs(wipefs.stdout);
  const ids = assignIdentities(present.map((c) => ({ ...c, ...c.dev })));

  return Promise.all(
    present.map(async ({ dev, backingFile, byIdPaths }, i) => {
      const holders = await readdir(path.join(sys, dev.kname, 'holders')).catch(() => [] as string[]);
      const reasons = usageReasons(dev, signatures.get(dev.kname) ?? [], holders);
      if (dev.readOnly) reasons.push('read-only');
      return {
        id: ids[i]!,
        devicePath: dev.path,
        byIdPaths,
        wwn: dev.wwn,
        serial: dev.serial,
        model: dev.model,
        vendor: dev.vendor,
        sizeBytes: String(dev.sizeBytes),
        mediaClass: detectMediaClass(dev),
        rotational: dev.rotational,
        transport: dev.transport,
        inUseReasons: reasons,
        backingFile,
        majorMinor: dev.majMin,
      };
    }),
  );
}
