// DRBD minors (/dev/drbdN) of one host. The operator gives each replicated volume its minor; each
// resource's file names the minor every replica uses on its own host, and the agent reads them
// back to refuse a minor another resource on this host already uses.

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
