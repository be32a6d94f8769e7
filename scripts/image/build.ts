// Builds Stratum's image without Docker or a registry, as an OCI archive that `ctr images import`
// (or `docker load`) reads: the Dockerfile's runtime stage made from Debian packages (mmdebstrap)
// and this checkout. Two layers: the Debian base with image/runtime-packages (cached per package
// list), and the app (compiled code, production node_modules with the pinned Node.js).
//
//   npx tsx scripts/image/build.ts [--out FILE]     (default .rig/images/stratum.tar)
//
// The image is named as stratum.config.yaml says (what the manifests run). The lab's nodes run it.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { run } from '../../src/common/exec.ts';
import { loadConfig } from '../../src/manifests/config.ts';
import { stratumImage } from '../../src/manifests/images.ts';
import { layerFromDir, writeOciArchive } from '../lib/oci-archive.ts';
import { readRuntimeStage } from './dockerfile-runtime.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CACHE = process.env.STRATUM_IMAGE_CACHE ?? path.join(homedir(), '.cache', 'stratum', 'image');
/** Documentation is no use in a container and a third of a minimal Debian. */
const DPKG_EXCLUDES = ['/usr/share/man/*', '/usr/share/doc/*', '/usr/share/locale/*', '/usr/share/info/*'];
const BUILD_TIMEOUT_MS = 900_000;

export interface BuiltImage {
  readonly name: string;
  readonly archive: string;
  readonly digest: string;
}

export async function buildStratumImage(out = path.join(ROOT, '.rig', 'images', 'stratum.tar')): Promise<BuiltImage> {
  const stage = readRuntimeStage(await readFile(path.join(ROOT, 'Dockerfile'), 'utf8'));
  const name = stratumImage(loadConfig(path.join(ROOT, 'stratum.config.yaml')));
  await mkdir(path.dirname(out), { recursive: true });
  await mkdir(CACHE, { recursive: true });
  const base = await debianBase(stage.base);
  const work = await mkdtemp(path.join(path.dirname(out), '.build-'));
  try {
    await run('npm', ['run', 'build', '--silent'], { cwd: ROOT, timeoutMs: BUILD_TIMEOUT_MS });
    const modules = await productionModules();
    const tree = path.join(work, 'tree');
    for (const { from, to } of stage.copies) {
      const src = from === 'node_modules' ? modules : path.join(ROOT, from);
      await cp(src, path.join(tree, to), { recursive: true, verbatimSymlinks: true });
    }
    const app = path.join(work, 'app.tar');
    await layerFromDir(tree, app);
    const partial = `${out}.partial`;
    const digest = await writeOciArchive({ name, layers: [base, app], settings: stage.settings, out: partial });
    await rename(partial, out);
    return { name, archive: out, digest };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The runtime stage's Debian base with the runtime packages, as a layer tar; made once per list. */
async function debianBase(baseImage: string): Promise<string> {
  const suite = /^debian:([a-z]+)(?:-slim)?$/.exec(baseImage)?.[1];
  if (!suite) throw new Error(`Dockerfile: the runtime stage's base ${baseImage} is not a Debian image (debian:<suite>[-slim])`);
  const packages = (await readFile(path.join(ROOT, 'image', 'runtime-packages'), 'utf8')).split(/\s+/).filter(Boolean);
  const key = hash(JSON.stringify([suite, packages, DPKG_EXCLUDES]));
  const file = path.join(CACHE, `base-${suite}-${key}.tar`);
  if (existsSync(file)) return file;
  // mmdebstrap writes a tarball only to a name ending in .tar.
  const partial = path.join(CACHE, `.partial-${path.basename(file)}`);
  await run(
    'mmdebstrap',
    ['--variant=minbase', `--include=${packages.join(',')}`, ...DPKG_EXCLUDES.map((p) => `--dpkgopt=path-exclude=${p}`), suite, partial],
    { timeoutMs: BUILD_TIMEOUT_MS },
  );
  await rename(partial, file);
  return file;
}

/** `npm ci --omit=dev` of this checkout's lock file, made once per lock file. */
async function productionModules(): Promise<string> {
  const lock = await readFile(path.join(ROOT, 'package-lock.json'));
  const dir = path.join(CACHE, `modules-${hash(lock)}`);
  if (existsSync(path.join(dir, '.complete'))) return path.join(dir, 'node_modules');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const f of ['package.json', 'package-lock.json']) await cp(path.join(ROOT, f), path.join(dir, f));
  // No install scripts: the production dependencies have none that matter, and none run unseen.
  await run('npm', ['ci', '--omit=dev', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: dir,
    timeoutMs: BUILD_TIMEOUT_MS,
  });
  await mkdir(path.join(dir, '.complete'));
  return path.join(dir, 'node_modules');
}

function hash(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex').slice(0, 16);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  const started = Date.now();
  const image = await buildStratumImage(values.out && path.resolve(values.out));
  process.stdout.write(`image: ${image.name} (${image.digest}) in ${image.archive}, ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
}
