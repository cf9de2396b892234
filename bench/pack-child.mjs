// One minibox pack in its own process, so that its peak RSS is its own:
//   node bench/pack-child.mjs <dist> <tree> <out.tar.gz>
// Prints {ms, maxRssKiB, diffId, digest, size, entries} as one JSON line. Imports tsc's
// output directly (not a bundle, unlike extract-child.mjs): ffi-rs, which reads the
// xattrs, is found from dist/ that way, and Node's ~40 ms of per-file ESM loading is
// noise against a pack that takes seconds.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [dist, tree, out] = process.argv.slice(2);
const { packDirectory } = await import(pathToFileURL(path.join(dist, 'layer', 'pack.js')).href);
const t0 = performance.now();
const r = await packDirectory(tree, out, { kind: 'plain' });
const ms = performance.now() - t0;
process.stdout.write(
  `${JSON.stringify({ ms, maxRssKiB: process.resourceUsage().maxRSS, diffId: r.diffId, digest: r.digest, size: r.size, entries: r.entries })}\n`,
);
