import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeStateRoot, minibox } from '../helpers/minibox.js';
import { blobFile, buildImage, readLayout } from '../helpers/oci-builder.js';
import { NOBODY } from '../helpers/unprivileged.js';

/**
 * The store is root's alone (issue 11, item 4): an image's setuid-root binary and device
 * node, once loaded, cannot be reached by another local user through the state root. The
 * state root sits directly in the temp dir (traversable by anyone), and is made 0755 first,
 * the way an older minibox left it: minibox must close it on its own.
 */
let root: string;
let cleanupRoot: () => void;
let work: string;
const mb = (...args: string[]) => minibox(args, { root });
const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

beforeEach(async () => {
  const store = makeStateRoot();
  root = store.root;
  cleanupRoot = store.cleanup;
  await fs.chmod(root, 0o755);
  await fs.mkdir(path.join(root, 'containers'), { mode: 0o755 });
  await fs.chmod(path.join(root, 'containers'), 0o755);
  work = await fs.mkdtemp(path.join(root, '..', 'store-perm-work-'));
});

afterEach(async () => {
  cleanupRoot();
  await fs.rm(work, { recursive: true, force: true });
});

/** A layer with a setuid-root copy of id(1), a /dev/mem-like node and a sticky world-writable dir. */
async function hostileLayer(): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(c as Buffer);
  })();
  const add = (h: tar.Headers, body?: Buffer) =>
    new Promise<void>((resolve, reject) => pack.entry({ uid: 0, gid: 0, mtime: new Date(0), ...h }, body, (err) => (err ? reject(err) : resolve())));
  await add({ name: 'suid', type: 'directory', mode: 0o755 });
  await add({ name: 'suid/id', type: 'file', mode: 0o4755 }, readFileSync('/usr/bin/id'));
  await add({ name: 'suid/mem', type: 'character-device', mode: 0o666, devmajor: 1, devminor: 1 });
  await add({ name: 'suid/world', type: 'directory', mode: 0o1777 });
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** busybox plus the hostile layer on top, as an OCI layout (its top layer swapped in). */
async function hostileImage(): Promise<{ layout: string; topChainHex: string }> {
  const img = await buildImage({ name: 'docker.io/library/suid:1', base: 'busybox', dir: path.join(work, 'layout'), layers: [[{ path: 'placeholder', type: 'file' }]] });
  const layout = img.layoutDir;
  const { manifest, config } = await readLayout(layout);
  const raw = await hostileLayer();
  const gz = gzipSync(raw);
  await fs.writeFile(blobFile(layout, sha256(gz)), gz);
  Object.assign(manifest.layers.at(-1), { digest: sha256(gz), size: gz.length });
  config.rootfs.diff_ids[config.rootfs.diff_ids.length - 1] = sha256(raw);
  const cfg = Buffer.from(JSON.stringify(config));
  await fs.writeFile(blobFile(layout, sha256(cfg)), cfg);
  Object.assign(manifest.config, { digest: sha256(cfg), size: cfg.length });
  const man = Buffer.from(JSON.stringify(manifest));
  await fs.writeFile(blobFile(layout, sha256(man)), man);
  const index = JSON.parse(await fs.readFile(path.join(layout, 'index.json'), 'utf8'));
  Object.assign(index.manifests[0], { digest: sha256(man), size: man.length });
  await fs.writeFile(path.join(layout, 'index.json'), JSON.stringify(index));
  // chainID of the top layer: sha256("<chainID below> <diffID>")
  let chain = '';
  for (const d of config.rootfs.diff_ids as string[]) chain = chain === '' ? d : sha256(Buffer.from(`${chain} ${d}`));
  return { layout, topChainHex: chain.slice('sha256:'.length) };
}

/** Run argv as nobody (uid and gid 65534, no groups); the spawn error's code if it could not start. */
function asNobody(argv: string[]): { code: number | null; out: string; spawnError: string | undefined } {
  const r = spawnSync(argv[0]!, argv.slice(1), { uid: NOBODY, gid: NOBODY, encoding: 'utf8', timeout: 10_000 });
  const code = r.error && 'code' in r.error ? String(r.error.code) : undefined;
  return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, spawnError: code };
}

const mode = (p: string): number => statSync(p).mode & 0o7777;

describe('the store is root\'s alone', () => {
  it('another user cannot stat, list or exec a loaded setuid-root file or device node', async () => {
    const { layout, topChainHex } = await hostileImage();
    const load = await mb('load', '-i', layout);
    expect(load).toMatchObject({ code: 0, stdout: 'Loaded image: suid:1\n' });

    const snap = path.join(root, 'snapshots', topChainHex);
    const suid = path.join(snap, 'suid', 'id');
    const mem = path.join(snap, 'suid', 'mem');
    // what the layer asked for is there (root sees it): the store, not the extractor, keeps others out
    expect([mode(suid), statSync(suid).uid]).toEqual([0o4755, 0]);
    expect(statSync(mem).isCharacterDevice()).toBe(true);
    expect(mode(path.join(snap, 'suid', 'world'))).toBe(0o1777);

    expect(mode(root)).toBe(0o711); // tightened from the 0755 it was
    expect(mode(path.join(root, 'snapshots'))).toBe(0o700);

    // the control: nobody can run things and reach the temp dir the root sits in
    expect(asNobody(['/usr/bin/stat', '-c', '%a', root])).toMatchObject({ code: 0, out: '711\n' });
    expect(asNobody(['/usr/bin/id', '-u'])).toMatchObject({ code: 0, out: `${NOBODY}\n` });

    for (const p of [suid, mem, path.join(snap, 'suid', 'world')]) {
      const st = asNobody(['/usr/bin/stat', p]);
      expect(st.code, p).not.toBe(0);
      expect(st.out).toMatch(/Permission denied/);
    }
    expect(asNobody(['/bin/ls', root]).out).toMatch(/Permission denied/); // 0711: traversable, not listable
    expect(asNobody(['/bin/ls', path.join(root, 'snapshots')]).out).toMatch(/Permission denied/);
    expect(asNobody([suid, '-u']).spawnError).toBe('EACCES');
    expect(asNobody(['/usr/bin/touch', path.join(snap, 'suid', 'world', 'x')]).out).toMatch(/Permission denied/);
  });

  it('a run tightens containers/ and snapshots/ an older minibox left open', async () => {
    const { layout } = await hostileImage();
    expect((await mb('load', '-i', layout)).code).toBe(0);
    expect(mode(path.join(root, 'containers'))).toBe(0o755); // what beforeEach left: loads do not touch it
    await fs.chmod(path.join(root, 'snapshots'), 0o755);
    await fs.chmod(root, 0o755);
    const r = await mb('run', '--rm', '--network', 'none', 'suid:1', 'true');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(mode(path.join(root, 'containers'))).toBe(0o700);
    expect(mode(path.join(root, 'snapshots'))).toBe(0o700);
    expect(mode(root)).toBe(0o711);
  });

  it('a state root in a shared sticky directory is refused, not chmod-ed', async () => {
    const shared = path.join(work, 'shared');
    await fs.mkdir(shared);
    await fs.chmod(shared, 0o1777);
    const r = await minibox(['load', '-i', (await hostileImage()).layout], { root: shared });
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/is a shared directory \(mode 1777\); point MINIBOX_ROOT at a directory of its own/);
    expect(mode(shared)).toBe(0o1777);
  });
});
