// What the Dockerfile's runtime stage (its last FROM) puts in the image, read from the Dockerfile
// itself: scripts/image/build.ts makes the same image without Docker, and must not drift from it.
import type { ImageSettings } from '../lib/oci-archive.ts';

export interface RuntimeStage {
  readonly base: string;
  readonly workingDir: string;
  /** Files and folders copied from the build stage: `from` is relative to the build stage's WORKDIR, `to` absolute. */
  readonly copies: readonly { readonly from: string; readonly to: string }[];
  readonly settings: ImageSettings;
}

export function readRuntimeStage(dockerfile: string): RuntimeStage {
  const lines = joinContinuations(dockerfile);
  const from = lines.findLastIndex((l) => /^FROM\s/i.test(l));
  if (from < 0) throw new Error('Dockerfile: no FROM');
  const buildDir = lastValue(lines.slice(0, from), 'WORKDIR');
  if (!buildDir) throw new Error('Dockerfile: the build stage has no WORKDIR');
  const stage = lines.slice(from + 1);
  const workingDir = lastValue(stage, 'WORKDIR');
  if (!workingDir) throw new Error('Dockerfile: the runtime stage has no WORKDIR');
  const copies = stage.flatMap((l) => {
    const m = /^COPY\s+--from=\S+\s+(\S+)\s+(\S+)$/i.exec(l);
    if (!m) return [];
    const [src, dest] = [m[1]!, m[2]!];
    if (!src.startsWith(`${buildDir}/`)) throw new Error(`Dockerfile: COPY from outside ${buildDir}: ${l}`);
    const rel = src.slice(buildDir.length + 1);
    const base = dest.startsWith('/') ? dest : `${workingDir}/${dest.replace(/^\.\/?/, '')}`;
    return [{ from: rel, to: base.endsWith('/') ? `${base}${rel}` : base }];
  });
  const env = stage.flatMap((l) => {
    const m = /^ENV\s+([A-Za-z_][A-Za-z0-9_]*)=(\S+)$/i.exec(l);
    return m ? [`${m[1]}=${m[2]}`] : [];
  });
  const json = (key: string) => {
    const v = lastValue(stage, key);
    return v === undefined ? undefined : (JSON.parse(v) as string[]);
  };
  return {
    base: lines[from]!.split(/\s+/)[1]!,
    workingDir,
    copies,
    settings: { entrypoint: json('ENTRYPOINT'), cmd: json('CMD'), env, user: lastValue(stage, 'USER'), workingDir },
  };
}

function joinContinuations(text: string): string[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

function lastValue(lines: readonly string[], key: string): string | undefined {
  const re = new RegExp(`^${key}\\s+(.+)$`, 'i');
  let value: string | undefined;
  for (const l of lines) value = re.exec(l)?.[1] ?? value;
  return value;
}
