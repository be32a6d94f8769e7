// Reads uvu's output: the closing block (Total / Passed / Skipped) and, when several files ran in
// one process, each file's share (uvu prints the file's name, then one `(passed / total)` line
// per suite).

// biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes start with the ESC control character
const ANSI_COLOUR = /\x1b\[[0-9;]*m/g;

export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

/** The closing block's counts; undefined when the run ended (crashed, was killed) before printing it. */
export function parseUvu(output: string): Counts | undefined {
  const plain = stripColour(output);
  const total = /^\s*Total:\s+(\d+)$/m.exec(plain);
  const passed = /^\s*Passed:\s+(\d+)$/m.exec(plain);
  const skipped = /^\s*Skipped:\s+(\d+)$/m.exec(plain);
  if (!total || !passed) return undefined;
  const p = Number(passed[1]);
  return { passed: p, failed: Number(total[1]) - p, skipped: Number(skipped?.[1] ?? 0) };
}

/**
 * Passed and total per file (by its name relative to the suite folder, as uvu prints it) from
 * the progress lines of a one-process run. A file whose name never appears is absent: its suites
 * never ran.
 */
export function countsByFile(output: string, files: readonly string[]): Map<string, { passed: number; total: number }> {
  const byFile = new Map<string, { passed: number; total: number }>();
  let current: { passed: number; total: number } | undefined;
  for (const line of stripColour(output).split('\n')) {
    const name = line.trim();
    if (files.includes(name)) {
      current = { passed: 0, total: 0 };
      byFile.set(name, current);
      continue;
    }
    const progress = /\((\d+) \/ (\d+)\)\s*$/.exec(line);
    if (current && progress) {
      current.passed += Number(progress[1]);
      current.total += Number(progress[2]);
    }
  }
  return byFile;
}

/** uvu's output without its colour codes. */
export function stripColour(s: string): string {
  return s.replace(ANSI_COLOUR, '');
}
