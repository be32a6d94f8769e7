// Generated protobuf types are committed; this checks they are what their npm script makes today.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import { run } from '../../src/common/exec.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function files(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await files(p, base)));
    else out.push(path.relative(base, p));
  }
  return out.sort();
}

/** Runs the proto-loader-gen-types command of `npm run <script>` into a temp dir and compares it with `committedDir`. */
export async function assertGeneratedTypesFresh(script: string, committedDir: string): Promise<void> {
  const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const args = pkg.scripts[script]!.split(/\s+/)
    .slice(1)
    .filter((a) => !a.startsWith('--outDir='));
  const committed = path.join(ROOT, committedDir);
  const out = await mkdtemp(path.join(tmpdir(), 'stratum-gen-'));
  try {
    await run(path.join(ROOT, 'node_modules/.bin/proto-loader-gen-types'), [...args, `--outDir=${out}`], { timeoutMs: 60_000 });
    const fresh = await files(out);
    assert.equal(await files(committed), fresh, `same file list (run \`npm run ${script}\`)`);
    for (const f of fresh) {
      assert.is(
        await readFile(path.join(committed, f), 'utf8'),
        await readFile(path.join(out, f), 'utf8'),
        `${f} is stale: run \`npm run ${script}\``,
      );
    }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}
