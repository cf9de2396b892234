// Bundles the compiled CLI (dist/cli/main.js, from tsc) into dist/bundle/ with esbuild.
// Why: `minibox run` pays Node's module loading for every file it imports (~45 ms of a
// ~200 ms run, measured); one bundle with a chunk per command keeps the dynamic import()
// per command (design.md's time budget) without the per-file resolution cost.
// The per-file dist/ stays: benchmarks and tests import modules from it directly.
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/cli/main.js'],
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // ffi-rs is a native addon; it is required at run time from node_modules
  external: ['ffi-rs'],
  // CommonJS dependencies (commander, tar-stream) call require(): give the ESM bundle one
  banner: { js: "import { createRequire as __mbxRequire } from 'node:module'; const require = __mbxRequire(import.meta.url);" },
  logLevel: 'warning',
});
