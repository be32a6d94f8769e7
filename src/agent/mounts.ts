// Is a block device mounted? Read from /proc/self/mountinfo (field 10 is the mount source), so
// the check costs no command.
import { readFile } from 'node:fs/promises';

export interface Mount {
  readonly source: string;
  readonly target: string;
}

const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

export function parseMountInfo(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const target = line.slice(0, sep).split(' ')[4];
    const source = line.slice(sep + 3).split(' ')[1];
    if (target && source) mounts.push({ source: unescape(source), target: unescape(target) });
  }
  return mounts;
}

/** Mount points whose source is one of `devices`. */
export async function mountsOf(devices: readonly string[], mountinfo = '/proc/self/mountinfo'): Promise<string[]> {
  const mounts = parseMountInfo(await readFile(mountinfo, 'utf8'));
  return mounts.filter((m) => devices.includes(m.source)).map((m) => m.target);
}
