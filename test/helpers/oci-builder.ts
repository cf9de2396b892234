import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { ensureBusyboxLayout } from './busybox.js';

/**
 * Test images without a registry: OCI layouts with chosen configs and layers, optionally on
 * top of the real busybox layer, and converters to the two archive formats `load` accepts.
 */
export interface LayerEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'link';
  content?: string | Buffer;
  mode?: number;
  linkname?: string; // symlink target, or (link) the path of the file linked to
  uid?: number; // owner (default 0:0)
  gid?: number;
}

export interface ImageSpecConfig {
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  WorkingDir?: string;
  User?: string;
  Labels?: Record<string, string>;
  [key: string]: unknown;
}

export interface BuildImageOptions {
  name?: string; // io.containerd.image.name, e.g. docker.io/library/test:latest; omitted → untagged
  refName?: string; // org.opencontainers.image.ref.name (defaults to the name's tag)
  config?: ImageSpecConfig;
  layers?: LayerEntry[][];
  base?: 'busybox';
  dir?: string; // where to write the layout (default: a fresh temp dir)
  created?: string;
}

export interface BuiltImage {
  layoutDir: string;
  imageId: string; // sha256 of the config
  manifestDigest: string;
  diffIds: string[];
  layerDigests: string[];
}

const MTIME = new Date('2024-01-01T00:00:00Z');
const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export async function tarEntries(entries: LayerEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(c as Buffer);
  })();
  for (const e of entries) {
    const type = e.type === 'dir' ? 'directory' : e.type;
    const header: tar.Headers = { name: e.path.replace(/^\/+/, ''), type, mode: e.mode ?? (e.type === 'dir' ? 0o755 : 0o644), mtime: MTIME, uid: e.uid ?? 0, gid: e.gid ?? 0 };
    if (e.linkname !== undefined) header.linkname = e.type === 'link' ? e.linkname.replace(/^\/+/, '') : e.linkname;
    const body = e.type === 'file' ? Buffer.from(e.content ?? '') : undefined;
    await new Promise<void>((resolve, reject) => pack.entry(header, body, (err) => (err ? reject(err) : resolve())));
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

async function writeBlob(layout: string, bytes: Buffer): Promise<{ digest: string; size: number }> {
  const digest = sha256(bytes);
  await fs.mkdir(path.join(layout, 'blobs', 'sha256'), { recursive: true });
  await fs.writeFile(path.join(layout, 'blobs', 'sha256', digest.slice(7)), bytes);
  return { digest, size: bytes.length };
}

async function readJson(file: string): Promise<any> {
  return JSON.parse(await fs.readFile(file, 'utf8'));
}

/** The first image of a layout: its manifest and config, parsed (trusted test data). */
export async function readLayout(layout: string): Promise<{ manifest: any; config: any; manifestDigest: string }> {
  const index = await readJson(path.join(layout, 'index.json'));
  const manifestDigest: string = index.manifests[0].digest;
  const manifest = await readJson(path.join(layout, 'blobs', 'sha256', manifestDigest.slice(7)));
  const config = await readJson(path.join(layout, 'blobs', 'sha256', manifest.config.digest.slice(7)));
  return { manifest, config, manifestDigest };
}

export function blobFile(layout: string, digest: string): string {
  return path.join(layout, 'blobs', 'sha256', digest.replace(/^sha256:/, ''));
}

async function baseParts(layout: string, base: 'busybox' | undefined): Promise<{ layers: any[]; diffIds: string[]; config: ImageSpecConfig }> {
  if (!base) return { layers: [], diffIds: [], config: {} };
  const src = await ensureBusyboxLayout();
  const { manifest, config } = await readLayout(src);
  for (const l of manifest.layers) {
    await fs.mkdir(path.join(layout, 'blobs', 'sha256'), { recursive: true });
    await fs.copyFile(blobFile(src, l.digest), blobFile(layout, l.digest));
  }
  return { layers: manifest.layers, diffIds: config.rootfs.diff_ids, config: config.config ?? {} };
}

export async function buildImage(opts: BuildImageOptions = {}): Promise<BuiltImage> {
  const layout = opts.dir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'oci-layout-')));
  const base = await baseParts(layout, opts.base);
  const layers = [...base.layers];
  const diffIds = [...base.diffIds];
  for (const entries of opts.layers ?? []) {
    const raw = await tarEntries(entries);
    diffIds.push(sha256(raw));
    layers.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...(await writeBlob(layout, gzipSync(raw))) });
  }
  const config = {
    created: opts.created ?? '2024-01-01T00:00:00Z',
    architecture: 'amd64',
    os: 'linux',
    config: { ...base.config, ...opts.config },
    rootfs: { type: 'layers', diff_ids: diffIds },
  };
  const cfg = await writeBlob(layout, Buffer.from(JSON.stringify(config)));
  const manifest = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...cfg }, layers };
  const man = await writeBlob(layout, Buffer.from(JSON.stringify(manifest)));
  const annotations: Record<string, string> = {};
  if (opts.name) annotations['io.containerd.image.name'] = opts.name;
  const refName = opts.refName ?? opts.name?.match(/:([\w][\w.-]*)$/)?.[1];
  if (refName) annotations['org.opencontainers.image.ref.name'] = refName;
  const index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ mediaType: manifest.mediaType, ...man, annotations }] };
  await fs.writeFile(path.join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await fs.writeFile(path.join(layout, 'index.json'), JSON.stringify(index));
  return { layoutDir: layout, imageId: cfg.digest, manifestDigest: man.digest, diffIds, layerDigests: layers.map((l) => l.digest) };
}

async function walk(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of (await fs.readdir(path.join(dir, rel), { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(`${r}/`, ...(await walk(dir, r)));
    else out.push(r);
  }
  return out;
}

/** Write a tar of `files` (name → source file, or Buffer, or null for a directory). */
async function writeTar(outTar: string, files: Array<[string, string | Buffer | null]>): Promise<void> {
  const pack = tar.pack();
  const handle = await fs.open(outTar, 'w');
  const done = (async () => {
    for await (const c of pack) await handle.write(c as Buffer);
  })();
  for (const [name, src] of files) {
    if (src === null) {
      pack.entry({ name, type: 'directory', mode: 0o755, mtime: MTIME });
      continue;
    }
    const body = typeof src === 'string' ? await fs.readFile(src) : src;
    await new Promise<void>((resolve, reject) => pack.entry({ name, size: body.length, mode: 0o644, mtime: MTIME }, body, (err) => (err ? reject(err) : resolve())));
  }
  pack.finalize();
  await done;
  await handle.close();
}

/** An OCI archive: the layout directory as a tar (what `docker save` / skopeo oci-archive produce). */
export async function toOciArchive(layoutDir: string, outTar: string): Promise<void> {
  const names = await walk(layoutDir);
  await writeTar(outTar, names.map((n) => [n, n.endsWith('/') ? null : path.join(layoutDir, n)]));
}

function familiar(name: string): string {
  return name.replace(/^docker\.io\/library\/(?=[^/]+$)/, '').replace(/^docker\.io\//, '');
}

/** A classic `docker save` tarball: manifest.json, <hex>.json config, <id>/layer.tar (uncompressed), repositories. */
export async function toDockerSave(
  layoutDir: string,
  outTar: string,
  opts: { repoTags?: string[]; transform?: (member: string, body: Buffer) => Buffer } = {},
): Promise<void> {
  const index = await readJson(path.join(layoutDir, 'index.json'));
  const { manifest, config } = await readLayout(layoutDir);
  const name: string | undefined = index.manifests[0].annotations?.['io.containerd.image.name'];
  const repoTags = opts.repoTags ?? (name ? [familiar(name)] : []);
  const cfgHex = manifest.config.digest.slice(7);
  const files: Array<[string, string | Buffer | null]> = [[`${cfgHex}.json`, blobFile(layoutDir, manifest.config.digest)]];
  const layerPaths: string[] = [];
  for (const [i, l] of manifest.layers.entries()) {
    const raw = await fs.readFile(blobFile(layoutDir, l.digest));
    const tarBytes = raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw;
    const id = (config.rootfs.diff_ids[i] as string).slice(7);
    files.push([`${id}/`, null], [`${id}/VERSION`, Buffer.from('1.0')], [`${id}/layer.tar`, tarBytes]);
    layerPaths.push(`${id}/layer.tar`);
  }
  const repositories: Record<string, Record<string, string>> = {};
  for (const t of repoTags) {
    const [repo = t, tag = 'latest'] = t.split(/:(?=[^:/]+$)/);
    (repositories[repo] ??= {})[tag] = layerPaths[layerPaths.length - 1]?.split('/')[0] ?? '';
  }
  files.push(['manifest.json', Buffer.from(JSON.stringify([{ Config: `${cfgHex}.json`, RepoTags: repoTags, Layers: layerPaths }]))]);
  files.push(['repositories', Buffer.from(JSON.stringify(repositories))]);
  const t = opts.transform;
  const final: Array<[string, string | Buffer | null]> = t
    ? await Promise.all(files.map(async ([n, src]): Promise<[string, string | Buffer | null]> => [n, src === null ? null : t(n, typeof src === 'string' ? await fs.readFile(src) : src)]))
    : files;
  await writeTar(outTar, final);
}

/** A copy of `buf` with one byte flipped (corruption tests). */
export function flipped(buf: Buffer, offset?: number): Buffer {
  const out = Buffer.from(buf);
  const at = offset ?? Math.floor(out.length / 2);
  out[at] = (out[at] ?? 0) ^ 0xff;
  return out;
}

/** Flip one byte of a file in place (corruption tests). */
export async function flipByte(file: string, offset?: number): Promise<void> {
  const buf = await fs.readFile(file);
  const at = offset ?? Math.floor(buf.length / 2);
  buf[at] = (buf[at] ?? 0) ^ 0xff;
  await fs.writeFile(file, buf);
}
