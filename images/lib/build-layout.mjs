#!/usr/bin/env node
// Turn a root filesystem tarball (mmdebstrap's output) into an OCI image layout with one
// tar+gzip layer and the recipe's image config (its config.json: Env, Entrypoint, Cmd,
// ExposedPorts, Volumes ... as in an image config's "config" object). Shared by the Debian
// recipes (images/debian-apache, images/mysql) through debian-image.sh. Usage:
//   node build-layout.mjs --tar <rootfs.tar> --out <layout dir> --name <image name> --config <config.json> [--history TEXT]
// The tar is used as it is (mmdebstrap writes it sorted with clamped mtimes under
// SOURCE_DATE_EPOCH); it is read once: the diffID is hashed on the way into gzip and the
// blob digest on the way out. Gzip without name/mtime and JSON with fixed key order, so the
// same tarball gives the same digests.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';

const CREATED = '2024-01-01T00:00:00Z';
const ARCH = { x64: 'amd64', arm64: 'arm64' }[process.arch] ?? process.arch;

const sha256 = (buf) => `sha256:${createHash('sha256').update(buf).digest('hex')}`;

/** A pass-through stream that hashes and counts what flows through it. */
function hasher() {
  const hash = createHash('sha256');
  let size = 0;
  const stream = new Transform({
    transform(chunk, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  return { stream, result: () => ({ digest: `sha256:${hash.digest('hex')}`, size }) };
}

function writeBlob(out, bytes) {
  const digest = sha256(bytes);
  writeFileSync(path.join(out, 'blobs', 'sha256', digest.slice(7)), bytes);
  return { digest, size: bytes.length };
}

async function writeLayer(out, tarPath) {
  const tmp = path.join(out, 'blobs', 'sha256', '.layer.tmp');
  const raw = hasher();
  const gz = hasher();
  await pipeline(createReadStream(tarPath, { highWaterMark: 1 << 20 }), raw.stream, createGzip({ level: 6 }), gz.stream, createWriteStream(tmp));
  const layer = gz.result();
  renameSync(tmp, path.join(out, 'blobs', 'sha256', layer.digest.slice(7)));
  return { layer, diffID: raw.result().digest };
}

// the image config fields a recipe may set, with the JSON type each must have
const CONFIG_FIELDS = { User: 'string', Env: 'array', Entrypoint: 'array', Cmd: 'array', WorkingDir: 'string', ExposedPorts: 'object', Volumes: 'object', Labels: 'object', StopSignal: 'string' };

/** The recipe's config.json, checked field by field (a typo must fail the build, not the image). */
function readConfig(file) {
  const cfg = JSON.parse(readFileSync(file, 'utf8'));
  if (cfg === null || typeof cfg !== 'object' || Array.isArray(cfg)) throw new Error(`${file}: not a JSON object`);
  for (const [k, v] of Object.entries(cfg)) {
    const want = CONFIG_FIELDS[k];
    if (!want) throw new Error(`${file}: unknown image config field ${k}`);
    const ok = want === 'array' ? Array.isArray(v) && v.every((x) => typeof x === 'string') : want === 'object' ? v !== null && typeof v === 'object' && !Array.isArray(v) : typeof v === want;
    if (!ok) throw new Error(`${file}: ${k} must be ${want === 'array' ? 'an array of strings' : `a ${want}`}`);
  }
  return cfg;
}

async function main() {
  const { values } = parseArgs({ options: { tar: { type: 'string' }, out: { type: 'string' }, name: { type: 'string' }, config: { type: 'string' }, history: { type: 'string', default: '' } } });
  if (!values.tar || !values.out || !values.name || !values.config) throw new Error('usage: build-layout.mjs --tar ROOTFS.tar --out DIR --name IMAGE[:TAG] --config CONFIG.json');
  const out = values.out;
  const imageConfig = readConfig(values.config);
  mkdirSync(path.join(out, 'blobs', 'sha256'), { recursive: true });
  const { layer, diffID } = await writeLayer(out, values.tar);
  const config = {
    created: CREATED,
    architecture: ARCH,
    os: 'linux',
    config: imageConfig,
    rootfs: { type: 'layers', diff_ids: [diffID] },
    history: [{ created: CREATED, created_by: values.history || `mmdebstrap: ${values.name}` }],
  };
  const cfg = writeBlob(out, Buffer.from(JSON.stringify(config)));
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...cfg },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
  };
  const man = writeBlob(out, Buffer.from(JSON.stringify(manifest)));
  const tag = values.name.slice(values.name.lastIndexOf(':') + 1);
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{
      mediaType: manifest.mediaType,
      ...man,
      annotations: { 'io.containerd.image.name': values.name, 'org.opencontainers.image.ref.name': tag },
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
