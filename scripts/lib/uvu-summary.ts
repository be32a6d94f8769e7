// Turns uvu's closing block into counts for the summed `N passed, N failed` line.

export interface Counts { passed: number; failed: number; skipped: number }

/** Reads uvu's closing block (Total / Passed / Skipped); a run that crashed before it counts as one failure. */
export function parseUvu(output: string, exitCode: number): Counts {
  const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
  const total = /Total:\s+(\d+)/.exec(plain);
  const passed = /Passed:\s+(\d+)/.exec(plain);
  const skipped = /Skipped:\s+(\d+)/.exec(plain);
  if (!total || !passed) return { passed: 0, failed: 1, skipped: 0 };
  const t = Number(total[1]);
  const p = Number(passed[1]);
  const failed = t - p;
  // uvu exits 1 on a failure in a hook too, which its counts may not show.
  return { passed: p, failed: failed === 0 && exitCode !== 0 ? 1 : failed, skipped: Number(skipped?.[1] ?? 0) };
}
