// One minibox extraction in its own process, so that its peak RSS is its own:
//   node <bundled child> <layer.tar.gz> <dest dir> [workers]
// Prints {ms, maxRssKiB, diffId, stats, inflatedBy} as one JSON line.
//
// bench/extract.mjs bundles this file with <dist>/layer/unpack.js into one minified
// CommonJS file (bundleChild below), the way the CLI itself ships (scripts/bundle.mjs):
// the process then starts as minibox's own commands do, rather than paying Node's
// per-file ESM loading of tsc's output (~40 ms here), which no user ever runs.
import fs from 'node:fs';
import path from 'node:path';

/** Build the child for `dist` into `dir`; returns the file to run with node. */
export async function bundleChild(dist, dir) {
  const { build } = await import('esbuild');
  const entry = path.join(dir, 'extract-child-entry.mjs');
  fs.writeFileSync(
    entry,
    `import { unpackLayer } from ${JSON.stringify(path.join(dist, 'layer', 'unpack.js'))};\n` +
      `import { extractMain } from ${JSON.stringify(new URL(import.meta.url).pathname)};\n` +
      'extractMain(unpackLayer, process.argv.slice(2));\n',
  );
  const out = path.join(dir, 'extract-child.cjs');
  await build({
    entryPoints: [entry],
    outfile: out,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    minify: true,
    define: { 'import.meta.url': '__childUrl' },
    banner: { js: "const __childUrl = require('node:url').pathToFileURL(__filename).href;" },
    logLevel: 'error',
  });
  return out;
}

export async function extractMain(unpackLayer, [tarball, dest, workers]) {
  // Whiteouts/xattrs are not part of this measurement; a no-op LayerFs keeps them cheap.
  const stub = { mknod() {}, setxattr() {}, lsetxattr() {} };
  const options = { fs: stub };
  if (workers !== undefined && workers !== '') options.workers = Number(workers);
  const t0 = performance.now();
  const { diffId, stats, inflatedBy } = await unpackLayer(fs.createReadStream(tarball, { highWaterMark: 256 * 1024 }), 'gzip', dest, options);
  const ms = performance.now() - t0;
  process.stdout.write(`${JSON.stringify({ ms, maxRssKiB: process.resourceUsage().maxRSS, diffId, stats, inflatedBy })}\n`);
}
