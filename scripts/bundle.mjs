// Bundles the compiled CLI (dist/cli/main.js, from tsc) into one CommonJS file,
// dist/bundle/minibox.cjs, that bin/minibox runs through V8's code cache.
// Why: Node's start-up is most of a `minibox run` (design.md's time budget). Measured on a
// `run --rm --network none busybox true` (~120 ms): loading the per-file ESM build costs
// ~45 ms more than a bundle; a bundle of per-command ESM chunks and one CommonJS file cost
// the same; the CommonJS file compiled from a code cache saves another ~15 ms (Node 20 has
// no module.enableCompileCache; bin/minibox keeps the cache itself, see there).
// Dynamic import() of our own modules becomes a lazy require, so a command still only
// runs the code it needs. The per-file dist/ stays: tests and benchmarks import from it.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

rmSync('dist/bundle', { recursive: true, force: true });
// one bundle per bin: minibox (dist/cli/main.js) and minibox-runtime (dist/runtime/main.js,
// the OCI runtime command line), each loading only its own code
for (const [entry, outfile] of [
  ['dist/cli/main.js', 'dist/bundle/minibox.cjs'],
  ['dist/runtime/main.js', 'dist/bundle/minibox-runtime.cjs'],
]) await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // ffi-rs is a native addon; it is required at run time from node_modules
  // yaml and ajv serve only `compose`: left out of the bundle, loaded from node_modules when it runs,
  // so the other commands' start-up does not pay for ~240 KB of them
  external: ['ffi-rs', 'yaml', 'ajv'],
  // import.meta does not exist in CommonJS: the modules that locate files by it (the shim's
  // path, ffi-rs) get the bundle's own URL; dist/bundle sits as deep as dist/<dir> does.
  define: { 'import.meta.url': '__mbxBundleUrl' },
  banner: { js: "const __mbxBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  // minified: half the bytes to read and a smaller code cache, ~5 ms of every start-up
  // (stack traces name the minified code; MINIBOX_DEBUG users can run dist/cli instead)
  minify: true,
  logLevel: 'warning',
});
