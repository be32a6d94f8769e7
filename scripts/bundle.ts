// The second half of `npm run build`: the operator as one ES module, dist/stratum-operator.mjs,
// which bin/stratum-operator runs. Loading the compiled tree costs the operator ~600 files (rxjs
// alone ~230) and their source text kept in the heap; the bundle holds only the code it reaches:
// 74 instead of 91 MiB resident after loading (docs/performance.md, "Provisioning at scale"). Not
// minified and without a source map: stack traces name real functions at lines of a readable file
// (each module starts with a `// src/...` comment), where Node.js would otherwise parse a 4 MiB map
// into ~24 MiB of heap at the first stack trace.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

await build({
  absWorkingDir: ROOT,
  entryPoints: { 'stratum-operator': 'src/operator/main.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  // Loaded only for kubeconfig credentials the operator's own reader does not handle; from node_modules then.
  external: ['@kubernetes/client-node'],
  // CommonJS packages inside an ES module still call require() for Node's built-ins.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
});
