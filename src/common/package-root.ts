// Where the installation keeps what is read at run time beside the code (package.json, proto/):
// found from this module's own location, which is src/common/ in a checkout, dist/common/ once
// compiled, and dist/ itself inside a bundle (`npm run build`), so a fixed `../..` cannot serve all three.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(from: string): string {
  for (let dir = from, up = 0; up < 4; up++, dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'proto'))) return dir;
  }
  throw new Error(`no package.json with a proto/ directory beside it at or above ${from}`);
}

export const PACKAGE_ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));

/** Stratum's version, from its package.json. */
export const PACKAGE_VERSION = (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
