// One minibox extraction in its own process, so that its peak RSS is its own:
//   node bench/extract-child.mjs <dist dir> <layer.tar.gz> <dest dir> [workers]
// Prints {ms, maxRssKiB, diffId, stats} as one JSON line.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [dist, tarball, dest, workers] = process.argv.slice(2);
const { unpackLayer } = await import(pathToFileURL(path.join(dist, 'layer/unpack.js')).href);
// Whiteouts/xattrs are not part of this measurement; a no-op LayerFs keeps them cheap.
const stub = { mknod() {}, setxattr() {}, lsetxattr() {} };
const options = { fs: stub };
if (workers !== undefined && workers !== '') options.workers = Number(workers);
const t0 = performance.now();
const { diffId, stats } = await unpackLayer(fs.createReadStream(tarball, { highWaterMark: 256 * 1024 }), 'gzip', dest, options);
const ms = performance.now() - t0;
process.stdout.write(`${JSON.stringify({ ms, maxRssKiB: process.resourceUsage().maxRSS, diffId, stats })}\n`);
