// DRBD minors (/dev/drbdN) of one host. Each resource's file names the minor every replica uses on
// its own host; a new resource gets the lowest minor not used on the host it is for.
import { DRBD_MINOR_BASE, DRBD_MINOR_MAX } from '../../common/constants.ts';
import { resourceExhausted } from '../../agent-api/errors.ts';

/** The lowest minor from `first` on that is not in `used`. */
export function allocateMinor(used: Iterable<number>, first = DRBD_MINOR_BASE): number {
  const taken = new Set(used);
  for (let m = first; m <= DRBD_MINOR_MAX; m++) if (!taken.has(m)) return m;
  throw resourceExhausted(`no free DRBD minor from ${first} to ${DRBD_MINOR_MAX}`);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The minor `host` uses in a resource file written by renderResource, if the file has an `on` section for it. */
export function minorOf(resourceText: string, host: string): number | undefined {
  const m = new RegExp(`on "${escapeRegExp(host)}" \\{[^}]*?device minor (\\d+);`).exec(resourceText);
  return m ? Number(m[1]) : undefined;
}

/** Minor → resource, for every resource file (resource → text) that gives `host` a minor. */
export function minorsInUse(files: ReadonlyMap<string, string>, host: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const [resource, text] of files) {
    const minor = minorOf(text, host);
    if (minor !== undefined) out.set(minor, resource);
  }
  return out;
}
