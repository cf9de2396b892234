import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { lookup as dnsLookup } from 'node:dns/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBusyboxLayout } from '../helpers/busybox.js';
import { makeStateRoot, minibox, type Result } from '../helpers/minibox.js';
import { readLayout } from '../helpers/oci-builder.js';
import { leakcheck } from '../helpers/leakcheck.js';
import { startFaultProxy, startRegistry, type FaultProxy, type LabRegistry } from '../helpers/registry-lab/index.js';

/**
 * `minibox push` through the real CLI against the lab (Debian's docker-registry behind the
 * Hub-style token server), watched through the recording proxy: Docker's lines, the stored
 * manifest's digest kept, "Layer already exists", a cross-repository mount, a chunked
 * upload, and what other tools (skopeo) and a fresh minibox read back.
 */
const ALICE = { username: 'alice', password: 's3cret' };
const SKOPEO = '/usr/bin/skopeo';
const run = promisify(execFile);

let lab: LabRegistry;
let proxy: FaultProxy;
let host: string; // the proxy: every request is recorded
let busyboxLayout: string;
let busyboxManifest: string; // the layout's manifest digest: a push must keep it
let busyboxDiffId: string;
let busyboxLayerDigest: string;
let manifestSize: number;
let dockerConfig: string;
const roots: Array<() => void> = [];

function newRoot(): string {
  const { root, cleanup } = makeStateRoot();
  roots.push(cleanup);
  return root;
}

const mb = (root: string, args: string[], env: Record<string, string> = {}): Promise<Result> =>
  minibox(args, { root, env: { DOCKER_CONFIG: dockerConfig, ...env }, timeoutMs: 90_000 });

async function rootWithBusybox(...tags: string[]): Promise<string> {
  const root = newRoot();
  expect((await mb(root, ['load', '-i', busyboxLayout])).code).toBe(0);
  for (const t of tags) expect((await mb(root, ['tag', 'busybox', t])).code).toBe(0);
  return root;
}

async function login(root: string): Promise<void> {
  const r = await minibox(['login', '-u', ALICE.username, '--password-stdin', host], { root, env: { DOCKER_CONFIG: dockerConfig }, input: `${ALICE.password}\n` });
  expect(r.stdout).toBe('Login Succeeded\n');
}

beforeAll(async () => {
  if (!existsSync(SKOPEO)) throw new Error(`${SKOPEO} is missing: the push tests read back with skopeo (MINIBOX_SETUP_BENCH=1 ./scripts/setup.sh installs it)`);
  busyboxLayout = await ensureBusyboxLayout();
  const { manifestDigest, config, manifest } = await readLayout(busyboxLayout);
  busyboxManifest = manifestDigest;
  busyboxDiffId = config.rootfs.diff_ids[0];
  busyboxLayerDigest = manifest.layers[0].digest;
  manifestSize = (await fs.stat(path.join(busyboxLayout, 'blobs', 'sha256', manifestDigest.slice(7)))).size;
  lab = await startRegistry({ auth: { users: { alice: ALICE.password } } });
  proxy = await startFaultProxy(lab.host, []);
  host = proxy.host;
  dockerConfig = mkdtempSync(path.join(os.tmpdir(), 'push-test-docker-config-'));
}, 120_000);

afterAll(async () => {
  await proxy?.stop();
  await lab?.stop();
  rmSync(dockerConfig, { recursive: true, force: true });
});

afterEach(() => {
  for (const cleanup of roots.splice(0)) cleanup();
  expect(leakcheck()).toEqual([]);
});

const short = (d: string): string => d.slice(7, 19);

describe('minibox push', () => {
  it("refuses to push without a login, then pushes with Docker's lines and the image's own manifest digest", async () => {
    const root = await rootWithBusybox(`${host}/me/busybox`);
    const noLogin = mkdtempSync(path.join(os.tmpdir(), 'push-test-nologin-'));
    roots.push(() => rmSync(noLogin, { recursive: true, force: true }));
    const anonymous = await mb(root, ['push', `${host}/me/busybox`], { DOCKER_CONFIG: noLogin });
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(anonymous.stderr).toMatch(/^minibox: (unauthorized|denied): /);

    await login(root);
    const before = proxy.requests.length;
    const r = await mb(root, ['push', `${host}/me/busybox`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // a blob under the chunk size goes up monolithically: one POST, one PUT ?digest=, no PATCH; then the manifest
    const seen = proxy.requests.slice(before).filter((q) => q.status !== 401);
    expect(seen.filter((q) => q.method === 'PATCH')).toEqual([]);
    expect(seen.filter((q) => q.method === 'PUT' && q.query.includes(`digest=${encodeURIComponent(busyboxLayerDigest)}`)).map((q) => q.status)).toEqual([201]);
    expect(seen.filter((q) => q.method === 'PUT' && q.path === '/v2/me/busybox/manifests/latest').map((q) => q.status)).toEqual([201]);
    const id = short(busyboxDiffId);
    expect(r.stdout.trimEnd().split('\n')).toEqual([
      'Using default tag: latest',
      `The push refers to repository [${host}/me/busybox]`,
      `${id}: Preparing`,
      `${id}: Pushed`,
      `latest: digest: ${busyboxManifest} size: ${manifestSize}`,
    ]);

    const again = await mb(root, ['push', `${host}/me/busybox:latest`]);
    expect(again.stdout.trimEnd().split('\n').slice(1)).toEqual([`${id}: Preparing`, `${id}: Layer already exists`, `latest: digest: ${busyboxManifest} size: ${manifestSize}`]);
    expect(again.stdout.split('\n')[0]).toBe(`The push refers to repository [${host}/me/busybox]`);

    // a fresh state root pulls it back by digest and runs it
    const fresh = newRoot();
    const ref = `${host}/me/busybox@${busyboxManifest}`;
    const pulled = await mb(fresh, ['pull', ref]);
    expect(pulled.stderr).toBe('');
    expect(pulled.code).toBe(0);
    const ran = await mb(fresh, ['run', '--rm', ref, 'echo', 'pushed and pulled']);
    expect(ran.stderr).toBe('');
    expect(ran.stdout).toBe('pushed and pulled\n');
  });

  it('mounts the layer from another repository of the registry instead of uploading it', async () => {
    const root = await rootWithBusybox(`${host}/me/busybox`, `${host}/other/busybox:1`);
    await login(root);
    expect((await mb(root, ['push', `${host}/me/busybox`])).code).toBe(0); // the source repository has the layer
    const before = proxy.requests.length;
    const r = await mb(root, ['push', `${host}/other/busybox:1`]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`${short(busyboxDiffId)}: Mounted from me/busybox\n`);
    expect(r.stdout).toContain(`1: digest: ${busyboxManifest} size: ${manifestSize}\n`);
    const seen = proxy.requests.slice(before);
    expect(seen.some((q) => q.method === 'POST' && q.query.includes('mount=') && q.query.includes('from=me%2Fbusybox') && q.status === 201)).toBe(true);
    const layerUploads = seen.filter((q) => q.method === 'PATCH' || (q.method === 'PUT' && q.query.includes(encodeURIComponent(busyboxLayerDigest))));
    expect(layerUploads).toEqual([]);
  });

  it('uploads a blob bigger than MINIBOX_PUSH_CHUNK_BYTES in PATCH chunks with Content-Range, and it reads back whole', async () => {
    const root = await rootWithBusybox(`${host}/chunked/bb:c`);
    await login(root);
    const before = proxy.requests.length;
    const r = await mb(root, ['push', '-q', `${host}/chunked/bb:c`], { MINIBOX_PUSH_CHUNK_BYTES: String(256 * 1024) });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${host}/chunked/bb:c\n`);
    const patches = proxy.requests.slice(before).filter((q) => q.method === 'PATCH');
    const { manifest } = await readLayout(busyboxLayout);
    const size: number = manifest.layers[0].size;
    expect(patches.map((q) => q.contentRange)).toEqual(
      Array.from({ length: Math.ceil(size / 262144) }, (_, i) => `${i * 262144}-${Math.min(size, (i + 1) * 262144) - 1}`),
    );
    expect(patches.every((q) => q.status === 202)).toBe(true);

    const fresh = newRoot();
    expect((await mb(fresh, ['pull', '-q', `${host}/chunked/bb:c`])).code).toBe(0);
    expect((await mb(fresh, ['run', '--rm', `${host}/chunked/bb:c`, 'busybox', 'true'])).code).toBe(0);
  });

  it("the lecture's loop: an image minibox built is pushed, skopeo reads its layers, a fresh store pulls and runs it", async () => {
    const root = await rootWithBusybox();
    await login(root);
    const context = mkdtempSync(path.join(os.tmpdir(), 'push-test-build-'));
    roots.push(() => rmSync(context, { recursive: true, force: true }));
    await fs.writeFile(path.join(context, 'Dockerfile'), 'FROM busybox\nRUN echo built-here > /built\nCOPY page.html /www/\nCMD ["cat", "/built", "/www/page.html"]\n');
    await fs.writeFile(path.join(context, 'page.html'), '<p>pushed</p>\n');
    const name = `${host}/me/gateway-service-1`;
    const built = await mb(root, ['build', '--network', 'none', '-q', '-t', name, context]);
    expect(built.code, built.stderr).toBe(0);
    const r = await mb(root, ['push', name]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.filter((l) => l.endsWith(': Pushed'))).toHaveLength(3); // busybox's (this store knows no repository that has it), the RUN's, the COPY's
    const digest = /^latest: digest: (sha256:[0-9a-f]{64}) size: \d+$/.exec(lines[lines.length - 1] ?? '')?.[1];
    expect(digest).toBeDefined();

    const record = JSON.parse(await fs.readFile(path.join(root, 'images', 'by-id', `${built.stdout.trim().slice(7)}.json`), 'utf8')) as { manifestDigest: string; layers: Array<{ digest: string }> };
    expect(digest).toBe(record.manifestDigest);
    const { stdout } = await run(SKOPEO, ['inspect', '--creds', `${ALICE.username}:${ALICE.password}`, '--tls-verify=false', `docker://${lab.host}/me/gateway-service-1:latest`]);
    const info = JSON.parse(stdout) as { Digest: string; Layers: string[] };
    expect(info.Digest).toBe(digest);
    expect(info.Layers).toEqual(record.layers.map((l) => l.digest));

    const fresh = newRoot();
    const ran = await mb(fresh, ['run', '--rm', '--network', 'none', `${name}@${digest}`]);
    expect(ran.stderr).not.toMatch(/error|minibox:/i);
    expect(ran.stdout).toBe('built-here\n<p>pushed</p>\n');
  });

  it('-a pushes every tag of the repository', async () => {
    const root = await rootWithBusybox(`${host}/all/bb:one`, `${host}/all/bb:two`);
    await login(root);
    const r = await mb(root, ['push', '-a', `${host}/all/bb`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`one: digest: ${busyboxManifest} size: ${manifestSize}\n`);
    expect(r.stdout).toContain(`two: digest: ${busyboxManifest} size: ${manifestSize}\n`);
    // not a terminal: one line per state, and each tag reports its layers (the second finds them there)
    const id = short(busyboxDiffId);
    expect(r.stdout.split(`one: digest: ${busyboxManifest} size: ${manifestSize}\n`)[1]).toBe(
      `${id}: Preparing\n${id}: Layer already exists\ntwo: digest: ${busyboxManifest} size: ${manifestSize}\n`,
    );
    expect(r.stdout).not.toMatch(/Pushing|\x1b\[/);
    expect((await mb(root, ['push', '-a', `${host}/all/bb:one`])).stderr).toBe("minibox: tag can't be used with --all-tags/-a\n");
  });

  it('skopeo reads what minibox pushed: inspect and copy to an OCI layout', async () => {
    const root = await rootWithBusybox(`${host}/me/busybox`);
    await login(root);
    expect((await mb(root, ['push', `${host}/me/busybox`])).code).toBe(0);
    const creds = ['--creds', `${ALICE.username}:${ALICE.password}`, '--tls-verify=false'];
    const { stdout } = await run(SKOPEO, ['inspect', ...creds, `docker://${lab.host}/me/busybox:latest`]);
    const info = JSON.parse(stdout) as { Digest: string; Layers: string[]; Architecture: string };
    expect(info.Digest).toBe(busyboxManifest);
    expect(info.Architecture).toBe('amd64');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'push-test-skopeo-'));
    try {
      await run(SKOPEO, ['copy', '--src-creds', `${ALICE.username}:${ALICE.password}`, '--src-tls-verify=false', `docker://${lab.host}/me/busybox:latest`, `oci:${dir}:latest`]);
      const index = JSON.parse(await fs.readFile(path.join(dir, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
      expect(index.manifests[0]?.digest).toBe(busyboxManifest);
      for (const l of info.Layers) expect(existsSync(path.join(dir, 'blobs', 'sha256', l.slice(7)))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("login and push reach a registry named by host name over plain http once it is in the configuration's insecure-registries", async () => {
    // the machine's own name resolves to loopback (/etc/hosts) but is not loopback by name: https unless configured
    const { address } = await dnsLookup(os.hostname(), { family: 4 });
    expect(address, `${os.hostname()} must resolve to 127.0.0.0/8 for this test`).toMatch(/^127\./);
    const named = `${os.hostname()}:${lab.host.split(':')[1] ?? ''}`; // the registry itself: the proxy points Locations at 127.0.0.1
    const configDir = mkdtempSync(path.join(os.tmpdir(), 'push-test-insecure-'));
    try {
      const config = path.join(configDir, 'config.json');
      await fs.writeFile(config, JSON.stringify({ 'insecure-registries': [named] }));
      const insecure = { MINIBOX_CONFIG: config };
      const root = await rootWithBusybox(`${named}/me/insecure`);
      const loginTo = (env: Record<string, string>) =>
        minibox(['login', '-u', ALICE.username, '--password-stdin', named], { root, env: { DOCKER_CONFIG: dockerConfig, ...env }, input: `${ALICE.password}\n` });
      expect((await loginTo({})).code).toBe(1); // https to a plain-http registry
      const loggedIn = await loginTo(insecure);
      expect(loggedIn.stdout, loggedIn.stderr).toBe('Login Succeeded\n');
      expect((await mb(root, ['push', `${named}/me/insecure`])).code).toBe(1);
      const pushed = await mb(root, ['push', `${named}/me/insecure`], insecure);
      expect(pushed.code, pushed.stderr).toBe(0);
      expect(pushed.stdout).toContain(`latest: digest: ${busyboxManifest} size: ${manifestSize}`);
    } finally {
      rmSync(configDir, { recursive: true, force: true });
    }
  });

  it('bad input: an image not in the store, an invalid name, an unreachable registry — one line, exit 1', async () => {
    const root = await rootWithBusybox('127.0.0.1:1/me/busybox');
    const missing = await mb(root, ['push', `${host}/me/nothere`]);
    expect(missing.stderr).toBe(`minibox: An image does not exist locally with the tag: ${host}/me/nothere\n`);
    expect(missing.stdout).toBe(`Using default tag: latest\nThe push refers to repository [${host}/me/nothere]\n`);
    expect(missing.code).toBe(1);
    const invalid = await mb(root, ['push', `${host}/Me/Bad`]);
    expect(invalid.stderr).toMatch(/^minibox: invalid reference format: repository name \(Me\/Bad\) must be lowercase\n$/);
    expect(invalid.code).toBe(1);
    const digest = await mb(root, ['push', `${host}/me/busybox@${busyboxManifest}`]);
    expect(digest.stderr).toBe('minibox: cannot push a digest reference\n');
    const unreachable = await mb(root, ['push', '127.0.0.1:1/me/busybox']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(unreachable.stderr).toContain('127.0.0.1:1');
    expect(unreachable.stdout).toBe(`Using default tag: latest\nThe push refers to repository [127.0.0.1:1/me/busybox]\n${short(busyboxDiffId)}: Preparing\n`);
  });
});
