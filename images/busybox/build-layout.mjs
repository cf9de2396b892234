#!/usr/bin/env node
// Write a deterministic OCI image layout holding one gzip layer: a static busybox with a
// symlink per applet and a minimal /etc. Usage:
//   node build-layout.mjs --busybox <path to static busybox> --out <layout dir>
// Determinism: entries sorted, fixed mtime, uid/gid 0, gzip without name/mtime, and
// JSON written with fixed key order, so the same busybox binary gives the same digests.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import tar from 'tar-stream';

const CREATED = '2024-01-01T00:00:00Z';
const MTIME = new Date(CREATED);
const NAME = 'docker.io/library/busybox:latest';
const ARCH = { x64: 'amd64', arm64: 'arm64' }[process.arch] ?? process.arch;
const DIRS = { bin: 0o755, dev: 0o755, etc: 0o755, home: 0o755, proc: 0o555, root: 0o700, sbin: 0o755, sys: 0o555, tmp: 0o1777, usr: 0o755, 'usr/bin': 0o755, 'usr/sbin': 0o755, var: 0o755 };
const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n';
const GROUP = 'root:x:0:\nnobody:x:65534:\n';

function sha256(buf) {
  return `sha256:${createHash('sha256').update(buf).digest('hex')}`;
}

/** Every entry of the layer: dirs, files, then one symlink per applet that does not collide. */
function layerEntries(busybox) {
  const entries = new Map();
  for (const [name, mode] of Object.entries(DIRS)) entries.set(name, { type: 'directory', mode });
  entries.set('bin/busybox', { type: 'file', mode: 0o755, content: readFileSync(busybox) });
  entries.set('etc/passwd', { type: 'file', mode: 0o644, content: Buffer.from(PASSWD) });
  entries.set('etc/group', { type: 'file', mode: 0o644, content: Buffer.from(GROUP) });
  const applets = execFileSync(busybox, ['--list-full'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const applet of applets) {
    const name = path.posix.normalize(applet.replace(/^\/+/, ''));
    if (entries.has(name) || name.startsWith('..')) continue; // would collide or escape
    const parent = path.posix.dirname(name);
    if (parent !== '.' && entries.get(parent)?.type !== 'directory') continue; // no dirs beyond DIRS
    entries.set(name, { type: 'symlink', mode: 0o777, linkname: '/bin/busybox' });
  }
  return [...entries.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

async function tarOf(entries) {
  const pack = tar.pack();
  const chunks = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(c);
  })();
  for (const [name, e] of entries) {
    const header = { name: e.type === 'directory' ? `${name}/` : name, type: e.type, mode: e.mode, mtime: MTIME, uid: 0, gid: 0, uname: 'root', gname: 'root' };
    if (e.type === 'symlink') header.linkname = e.linkname;
    await new Promise((resolve, reject) => pack.entry(header, e.content ?? null, (err) => (err ? reject(err) : resolve())));
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

function writeBlob(out, bytes) {
  const digest = sha256(bytes);
  writeFileSync(path.join(out, 'blobs', 'sha256', digest.slice(7)), bytes);
  return { digest, size: bytes.length };
}

async function main() {
  const { values } = parseArgs({ options: { busybox: { type: 'string' }, out: { type: 'string' } } });
  if (!values.busybox || !values.out) throw new Error('usage: build-layout.mjs --busybox PATH --out DIR');
  const out = values.out;
  mkdirSync(path.join(out, 'blobs', 'sha256'), { recursive: true });
  const layerTar = await tarOf(layerEntries(values.busybox));
  const layer = writeBlob(out, gzipSync(layerTar, { level: 9 }));
  const config = {
    created: CREATED,
    architecture: ARCH,
    os: 'linux',
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'] },
    rootfs: { type: 'layers', diff_ids: [sha256(layerTar)] },
    history: [{ created: CREATED, created_by: 'images/busybox/build.sh: busybox from Debian busybox-static' }],
  };
  const cfg = writeBlob(out, Buffer.from(JSON.stringify(config)));
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...cfg },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
  };
  const man = writeBlob(out, Buffer.from(JSON.stringify(manifest)));
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{
      mediaType: manifest.mediaType,
      ...man,
      annotations: { 'io.containerd.image.name': NAME, 'org.opencontainers.image.ref.name': 'latest' },
      platform: { architecture: ARCH, os: 'linux' },
    }],
  };
  writeFileSync(path.join(out, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(path.join(out, 'index.json'), JSON.stringify(index));
}

main().catch((err) => {
  console.error(`build-layout: ${err.message}`);
  process.exit(1);
});
