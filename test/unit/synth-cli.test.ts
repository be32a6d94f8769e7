// README's first command, `npm run synth`, through the real cdk8s CLI: it prints the files it
// wrote and nothing on stderr — no update check against the npm registry (a stack trace on a
// machine without internet, a nag with it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../../src/common/exec.ts';

test('npm run synth: files listed on stdout, stderr empty, even with no cached version check', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'stratum-synth-cli-'));
  try {
    // A fresh HOME: no ~/.cdk8s-cli.version from an earlier check that would hide the request.
    const res = await run('npm', ['run', '-s', 'synth', '--', '--output', path.join(dir, 'charts-gen')], {
      env: { HOME: dir, STRATUM_CRDS_DIR: path.join(dir, 'crds'), npm_config_cache: path.join(dir, 'npm-cache') },
      timeoutMs: 120_000,
    });
    assert.match(res.stdout, '10-stratum-install.yaml');
    assert.is(res.stderr, '', 'nothing on stderr');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
