// Turns what a uvu process printed into counts and problems. A problem is a way a run failed
// besides a failed test — it crashed, ran no test, was killed, failed a hook, left something
// behind — and counts as one failure, so no such run ever reads as green.
import { countsByFile, parseUvu, stripColour, type Counts } from './uvu-summary.ts';

export interface UvuRun {
  /** What the problems are reported under: `agent/replication.test.ts`, or the suite's name. */
  readonly name: string;
  readonly output: string;
  readonly exitCode: number;
  /** Set when the process was killed for exceeding its time budget. */
  readonly killedAfterMs?: number;
}

export interface Verdict {
  readonly counts: Counts;
  readonly problems: readonly string[];
}

/** The verdict on a process that ran one test file. */
export function judgeFile(run: UvuRun): Verdict {
  const counts = parseUvu(run.output);
  const problems: string[] = [];
  if (run.killedAfterMs !== undefined) problems.push(`${run.name}: killed after ${run.killedAfterMs / 1000} s`);
  if (!counts) {
    problems.push(`${run.name}: crashed before its summary (exit ${run.exitCode}): ${errorLine(run.output)}`);
    return { counts: { passed: 0, failed: 0, skipped: 0 }, problems };
  }
  if (counts.passed + counts.failed === 0) problems.push(`${run.name}: ran zero tests`);
  // uvu exits 1 when a hook fails, which its counts may not show.
  if (run.exitCode !== 0 && counts.failed === 0)
    problems.push(`${run.name}: exited ${run.exitCode} although no test failed (a failing hook?)`);
  return { counts, problems };
}

/**
 * The verdict on a process that ran several files (`files`, as uvu names them), each file judged
 * from its progress lines. Undefined when the process crashed before its summary: the caller then
 * runs the files one by one to name the one that crashed.
 */
export function judgeFiles(run: UvuRun, files: readonly string[]): Verdict | undefined {
  const counts = parseUvu(run.output);
  if (!counts || run.killedAfterMs !== undefined) return undefined;
  const problems: string[] = [];
  if (!files.length) problems.push(`${run.name}: no test file selected`);
  const byFile = countsByFile(run.output, files);
  for (const f of files) {
    const c = byFile.get(f);
    if (!c) problems.push(`${run.name}/${f}: never ran`);
    else if (c.total === 0) problems.push(`${run.name}/${f}: ran zero tests`);
  }
  if (run.exitCode !== 0 && counts.failed === 0)
    problems.push(`${run.name}: exited ${run.exitCode} although no test failed (a failing hook?)`);
  return { counts, problems };
}

/** The line that best says why a process died: its first error line, else its last line. */
function errorLine(output: string): string {
  const lines = stripColour(output)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const error = lines.map((l) => /\b(?:\w*Error|ERR_[A-Z_]+)\b.*/.exec(l)?.[0]).find(Boolean);
  const line = error ?? lines.at(-1) ?? '(no output)';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/** Sums counts and problems over a run, and prints the closing lines CI reads. */
export class Tally {
  readonly counts: Counts = { passed: 0, failed: 0, skipped: 0 };
  readonly problems: string[] = [];

  add(v: Verdict): void {
    this.counts.passed += v.counts.passed;
    this.counts.failed += v.counts.failed;
    this.counts.skipped += v.counts.skipped;
    this.problems.push(...v.problems);
  }

  get failed(): number {
    return this.counts.failed + this.problems.length;
  }

  /** `N passed, N failed, N skipped` over tests, each problem listed above it and counted as one failure. */
  summary(): string {
    const lines: string[] = [];
    if (this.problems.length) {
      lines.push(`[test] ${this.problems.length} problem(s), each counted as one failure below:`);
      for (const p of this.problems) lines.push(`  - ${p}`);
    }
    lines.push(`${this.counts.passed} passed, ${this.failed} failed, ${this.counts.skipped} skipped`);
    return `${lines.join('\n')}\n`;
  }
}
