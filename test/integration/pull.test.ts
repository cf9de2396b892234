import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureBusyboxLayout } from '../helpers/busybox.js';
import { MINIBOX_BIN, makeStateRoot, minibox, type Result } from '../helpers/minibox.js';
import { blobFile, readLayout, tarEntries, type LayerEntry } from '../helpers/oci-builder.js';
import { forward, listenLoopback, type LoopbackServer } from '../helpers/registry-lab/lifecycle.js';
import {
  pushImage, pushIndex, startFaultProxy, startRedirector, startRegistry,
  type FaultRule, type LabRegistry, type PushedImage,
} from '../helpers/registry-lab/index.js';

/**
 * `minibox pull`, `login`/`logout` and `run` pulling a missing image, through the real CLI
 * against the lab: Debian's docker-registry behind a Hub-style token server, the CDN-style
 * redirector, the fault proxy and a slow proxy for a SIGKILL mid-pull. Every test has its
 * own MINIBOX_ROOT and nothing leaves 127.0.0.1.
 */
const ALICE = { username: 'alice', password: 's3cret' };
const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const short = (d: string): string => d.slice(7, 19);

let lab: LabRegistry;
let root: string;
let cleanupRoot: () => void;
let dockerConfig: string;
const stops: Array<() => Promise<void>> = [];

let busyboxLayer: Buffer; // the real busybox layer, gzip
let busyboxRuntime: Record<string, unknown>;
let bb: PushedImage; // test/bb:1 = busybox + one small layer
let bb2: PushedImage; // test/bb:2 = busybox + another layer
let big: PushedImage; // test/big:1 = busybox + small + 2 MB incompressible (the slow one)
let bigLayer: Buffer;
let wh: PushedImage;

const mb = (args: string[], extra: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {}): Promise<Result> =>
  minibox(args, { root, env: { DOCKER_CONFIG: dockerConfig, ...extra.env }, ...(extra.input !== undefined ? { input: extra.input } : {}), timeoutMs: extra.timeoutMs ?? 60_000 });

async function gzLayer(entries: LayerEntry[]): Promise<Buffer> {
  return gzipSync(await tarEntries(entries));
}

/** An image on top of busybox, with a config whose diff_ids match the layers. */
function spec(layers: Buffer[], extra: Record<string, unknown> = {}, platform = { os: 'linux', architecture: 'amd64' }) {
  const all = [busyboxLayer, ...layers];
  return {
    layers: all,
    config: { ...platform, created: '2024-01-01T00:00:00Z', config: { ...busyboxRuntime, ...extra }, rootfs: { type: 'layers', diff_ids: all.map((l) => sha256(gunzipSync(l))) } },
  };
}

async function entriesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    let list;
    try {
      list = await fs.readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of list) {
      const p = path.join(d, e.name);
      if (e.isDirectory() && !/^[0-9a-f]{64}$/.test(e.name)) await walk(p);
      else out.push(path.relative(root, p));
    }
  };
  await walk(dir);
  return out;
}

/** blobs, snapshots, image records/refs and scratch left in the store. */
async function storeContent(): Promise<string[]> {
  const all = await Promise.all(['blobs', 'snapshots', 'images', 'tmp'].map((d) => entriesUnder(path.join(root, d))));
  return all.flat().sort();
}

async function snapshots(): Promise<string[]> {
  return (await fs.readdir(path.join(root, 'snapshots')).catch(() => [] as string[])).sort();
}

function layerLines(out: string, status: string): string[] {
  return out.split('\n').filter((l) => l.endsWith(`: ${status}`)).map((l) => l.slice(0, 12));
}

beforeAll(async () => {
  const layout = await ensureBusyboxLayout();
  const { manifest, config } = await readLayout(layout);
  busyboxLayer = await fs.readFile(blobFile(layout, manifest.layers[0].digest));
  busyboxRuntime = config.config ?? {};
  lab = await startRegistry({ auth: { users: { alice: ALICE.password } } });
  stops.push(() => lab.stop());
  bb = await pushImage(lab.host, 'test/bb', '1', spec([await gzLayer([{ path: 'etc/hello', type: 'file', content: 'hello from bb\n' }])]), ALICE);
  bb2 = await pushImage(lab.host, 'test/bb', '2', spec([await gzLayer([{ path: 'etc/two', type: 'file', content: 'two\n' }])]), ALICE);
  bigLayer = gzipSync(await tarEntries([{ path: 'big.bin', type: 'file', content: randomBytes(2 << 20) }]), { level: 1 });
  big = await pushImage(lab.host, 'test/big', '1', spec([await gzLayer([{ path: 'small', type: 'file', content: 'small\n' }]), bigLayer]), ALICE);
  wh = await pushImage(
    lab.host,
    'test/wh',
    '1',
    spec([
      await gzLayer([
        { path: 'data/', type: 'dir' },
        { path: 'data/a', type: 'file', content: 'a' },
        { path: 'data/b', type: 'file', content: 'b' },
        { path: 'opaque/', type: 'dir' },
        { path: 'opaque/old', type: 'file', content: 'old' },
      ]),
      await gzLayer([
        { path: 'data/.wh.a', type: 'file' },
        { path: 'bin/.wh.vi', type: 'file' },
        { path: 'opaque/', type: 'dir' },
        { path: 'opaque/.wh..wh..opq', type: 'file' },
        { path: 'opaque/new', type: 'file', content: 'new' },
      ]),
    ]),
    ALICE,
  );
}, 120_000);

afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});

beforeEach(() => {
  ({ root, cleanup: cleanupRoot } = makeStateRoot());
  dockerConfig = mkdtempSync(path.join(os.tmpdir(), 'pull-test-docker-config-'));
});

afterEach(() => {
  cleanupRoot();
  rmSync(dockerConfig, { recursive: true, force: true });
});

describe('minibox pull', () => {
  it("pulls anonymously with Docker's output, then runs the image", async () => {
    const ref = `${lab.host}/test/bb:1`;
    const r = await mb(['pull', ref]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const ids = bb.layers.map((l) => short(l.digest));
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('1: Pulling from test/bb');
    for (const id of ids) {
      const mine = lines.filter((l) => l.startsWith(`${id}: `)).map((l) => l.slice(14));
      expect(mine).toEqual(['Pulling fs layer', 'Downloading', 'Verifying Checksum', 'Download complete', 'Extracting', 'Pull complete']);
    }
    expect(lines.slice(-3)).toEqual([`Digest: ${bb.digest}`, `Status: Downloaded newer image for ${ref}`, ref]);
    expect(await snapshots()).toHaveLength(2);
    expect((await mb(['images', '-q', '--no-trunc'])).stdout).toBe(`${bb.config.digest}\n`);

    const run = await mb(['run', '--rm', ref, 'sh', '-c', 'echo hi; cat /etc/hello']);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('hi\nhello from bb\n');
    expect(run.code).toBe(0);
  });

  it('says "Using default tag", and -q prints only the name', async () => {
    const untagged = await mb(['pull', `${lab.host}/test/bb`]); // the lab has no :latest
    expect(untagged.stdout).toBe('Using default tag: latest\nlatest: Pulling from test/bb\n');
    expect(untagged.stderr).toBe(`minibox: manifest for ${lab.host}/test/bb:latest not found: manifest unknown: manifest unknown\n`);
    const r = await mb(['pull', '-q', `${lab.host}/test/bb:1`]);
    expect(r.stdout).toBe(`${lab.host}/test/bb:1\n`);
    expect(r.code).toBe(0);
  });

  it('run pulls a missing image (on stderr), honours --pull never, and --pull always re-checks', async () => {
    const ref = `${lab.host}/test/bb:1`;
    const never = await mb(['run', '--rm', '--pull', 'never', ref, 'echo', 'hi']);
    expect(never.stderr).toBe(`minibox: No such image: ${ref}\n`);
    expect(never.code).toBe(125);
    const r = await mb(['run', '--rm', ref, 'echo', 'hi']);
    expect(r.stdout).toBe('hi\n');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`Unable to find image '${ref}' locally\n1: Pulling from test/bb\n`);
    expect(r.stderr).toContain(`Status: Downloaded newer image for ${ref}\n`);
    expect(r.stderr).not.toContain(`\n${ref}\n`); // no final name line in run, as in Docker
    const again = await mb(['run', '--rm', '--pull', 'always', ref, 'echo', 'hi']);
    expect(again.stdout).toBe('hi\n');
    expect(again.stderr).toBe(`1: Pulling from test/bb\nDigest: ${bb.digest}\nStatus: Image is up to date for ${ref}\n`);
  });

  it('a second pull downloads nothing; an image sharing a layer says "Already exists" for it', async () => {
    const p = await startFaultProxy(lab.host, []);
    stops.push(() => p.stop());
    const ref = `${p.host}/test/bb:1`;
    expect((await mb(['pull', ref])).code).toBe(0);
    const blobGets = (): number => p.requests.filter((q) => q.method === 'GET' && q.path.includes('/blobs/')).length;
    const before = blobGets();
    const again = await mb(['pull', ref]);
    expect(again.stdout).toBe(`1: Pulling from test/bb\nDigest: ${bb.digest}\nStatus: Image is up to date for ${ref}\n${ref}\n`);
    expect(blobGets() - before).toBe(1); // the config only: no layer is fetched again

    const two = await mb(['pull', `${p.host}/test/bb:2`]);
    expect(two.code).toBe(0);
    expect(layerLines(two.stdout, 'Already exists')).toEqual([short(bb2.layers[0]?.digest ?? '')]);
    expect(layerLines(two.stdout, 'Pull complete')).toEqual([short(bb2.layers[1]?.digest ?? '')]);
    expect(await snapshots()).toHaveLength(3);
  });

  it('two concurrent pulls both succeed and share one snapshot per layer', async () => {
    const ref = `${lab.host}/test/big:1`;
    const [a, b] = await Promise.all([mb(['pull', ref]), mb(['pull', ref])]);
    expect([a.code, b.code, a.stderr, b.stderr]).toEqual([0, 0, '', '']);
    expect((await snapshots()).filter((n) => /^[0-9a-f]{64}$/.test(n))).toHaveLength(3);
    expect(await snapshots()).toHaveLength(3); // no .tmp- left
    expect(await fs.readdir(path.join(root, 'tmp'))).toEqual([]);
    expect((await mb(['images', '-q', '--no-trunc'])).stdout).toBe(`${big.config.digest}\n`);
  });

  it('picks linux/amd64 from a manifest list with arm64 and attestations; --platform picks arm64', async () => {
    const arm = spec([await gzLayer([{ path: 'arch', type: 'file', content: 'arm64' }])], {}, { os: 'linux', architecture: 'arm64' });
    const amd = spec([await gzLayer([{ path: 'arch', type: 'file', content: 'amd64' }])]);
    const multi = await pushIndex(
      lab.host,
      'test/multi',
      'latest',
      [{ platform: { os: 'linux', architecture: 'arm64', variant: 'v8' }, image: arm }, { platform: { os: 'linux', architecture: 'amd64' }, image: amd }],
      ALICE,
      { attestationFirst: true },
    );
    const ref = `${lab.host}/test/multi:latest`;
    const r = await mb(['pull', ref]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Digest: ${multi.digest}\n`);
    expect((await mb(['images', '-q', '--no-trunc'])).stdout).toBe(`${multi.images[1]?.config.digest}\n`);
    expect((await mb(['run', '--rm', ref, 'cat', '/arch'])).stdout).toBe('amd64');
    const a = await mb(['pull', '-q', '--platform', 'linux/arm64', ref]);
    expect(a.code).toBe(0);
    // the tag moved to the arm64 image; the amd64 one stays, untagged, as in Docker
    expect((await mb(['images', '--no-trunc'])).stdout).toMatch(new RegExp(`\ntest/multi +latest +${multi.images[0]?.config.digest} `.replace('test/multi', `${lab.host}/test/multi`)));
  });

  it('follows blob redirects without sending the Authorization header along', async () => {
    const red = await startRedirector(lab.host);
    stops.push(() => red.stop());
    const r = await mb(['pull', `${red.host}/test/bb:1`]);
    expect(r.code).toBe(0);
    const blobGets = red.front.filter((q) => q.method === 'GET' && q.url.includes('/blobs/'));
    expect(blobGets.some((q) => q.headers.authorization?.startsWith('Bearer '))).toBe(true);
    expect(red.cdn.length).toBeGreaterThanOrEqual(3); // config + 2 layers
    for (const q of red.cdn) expect(q.headers.authorization).toBeUndefined();
  });

  it('merges whiteouts and opaque dirs of pulled layers in the container', async () => {
    const r = await mb(['run', '--rm', `${lab.host}/test/wh:1`, 'sh', '-c', 'ls /data; echo ---; ls /opaque; echo ---; test -e /bin/vi || echo no-vi']);
    expect(r.stdout).toBe('b\n---\nnew\n---\nno-vi\n');
    expect(r.code).toBe(0);
    expect(wh.layers).toHaveLength(3);
  });
});

describe('pull failures', () => {
  async function proxy(plan: FaultRule[]) {
    const p = await startFaultProxy(lab.host, plan);
    stops.push(() => p.stop());
    return p;
  }
  const layerPath = (repo: string, digest: string): RegExp => new RegExp(`^GET /v2/${repo}/blobs/${digest}$`);

  it('retries 500s, then succeeds', async () => {
    const p = await proxy([{ match: /^GET \/v2\/test\/bb\/blobs\//, fault: { kind: 'status', status: 500 }, times: 2 }]);
    const r = await mb(['pull', `${p.host}/test/bb:1`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(p.requests.filter((q) => q.fault === 'status')).toHaveLength(2);
  });

  it('resumes a layer with Range after a reset mid-body', async () => {
    const digest = big.layers[2]?.digest ?? '';
    const p = await proxy([{ match: layerPath('test/big', digest), fault: { kind: 'reset', afterBytes: 300_000 }, times: 1 }]);
    const r = await mb(['pull', `${p.host}/test/big:1`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const gets = p.requests.filter((q) => q.path.endsWith(digest));
    expect(gets[0]?.fault).toBe('reset');
    expect(gets[1]?.range).toMatch(/^bytes=\d+-$/);
    expect((await mb(['run', '--rm', `${p.host}/test/big:1`, 'sh', '-c', 'wc -c < /big.bin'])).stdout.trim()).toBe(String(2 << 20));
  });

  it('reports 429 with Retry-After and keeps nothing', async () => {
    const body = JSON.stringify({ errors: [{ code: 'TOOMANYREQUESTS', message: 'You have reached your pull rate limit.' }] });
    const p = await proxy([{ match: /manifests/, fault: { kind: 'status', status: 429, retryAfter: 42, body } }]);
    const r = await mb(['pull', `${p.host}/test/bb:1`]);
    expect(r.stderr).toBe("minibox: toomanyrequests: You have reached your pull rate limit. Retry after 42 s. Anonymous pulls get the lowest limit: 'minibox login' raises it.\n");
    expect(r.code).toBe(1);
    expect(await storeContent()).toEqual([]);
  });

  it('rejects a layer with wrong bytes, naming the blob, and keeps nothing', async () => {
    const digest = big.layers[2]?.digest ?? '';
    const p = await proxy([{ match: layerPath('test/big', digest), fault: { kind: 'corrupt' } }]);
    const r = await mb(['pull', `${p.host}/test/big:1`]);
    expect(r.stderr).toMatch(new RegExp(`^minibox: digest mismatch for blob ${digest} from ${p.host}/test/big: got sha256:[0-9a-f]{64}\n$`));
    expect(r.code).toBe(1);
    expect(await storeContent()).toEqual([]); // the other two layers, committed meanwhile, are taken back
  });

  it('rejects a truncated gzip layer, naming the blob, and keeps nothing', async () => {
    const whole = await gzLayer([{ path: 'file', type: 'file', content: randomBytes(50_000) }]);
    const cut = whole.subarray(0, whole.length - 100);
    const img = spec([whole]);
    img.layers[1] = cut; // the config promises the whole layer; the registry has the cut one
    const pushed = await pushImage(lab.host, 'test/truncated', '1', img, ALICE);
    const r = await mb(['pull', `${lab.host}/test/truncated:1`]);
    expect(r.stderr).toContain(`minibox: failed to register layer ${pushed.layers[1]?.digest}: gzip layer is truncated or corrupt`);
    expect(r.code).toBe(1);
    expect(await storeContent()).toEqual([]);
  });

  it('rejects a malformed manifest, naming it', async () => {
    const p = await proxy([{ match: /manifests\/1$/, fault: { kind: 'status', status: 200, body: '{"schemaVersion": 2, "layers": [' } }]);
    const r = await mb(['pull', `${p.host}/test/bb:1`]);
    expect(r.stderr).toMatch(/^minibox: invalid manifest sha256:[0-9a-f]{64}: /);
    expect(r.code).toBe(1);
    expect(await storeContent()).toEqual([]);
  });

  it("uses Docker's words for an unknown repository and an unknown tag", async () => {
    const repo = await mb(['pull', `${lab.host}/test/nosuch:1`]);
    expect(repo.stderr).toBe(`minibox: pull access denied for ${lab.host}/test/nosuch, repository does not exist or may require 'minibox login'\n`);
    expect(repo.code).toBe(1);
    const tag = await mb(['pull', `${lab.host}/test/bb:nope`]);
    expect(tag.stderr).toContain(`minibox: manifest for ${lab.host}/test/bb:nope not found: manifest unknown`);
    expect(tag.code).toBe(1);
    expect(await storeContent()).toEqual([]);
  });

  it('a pull killed with SIGKILL mid-way is finished by the next, reusing the committed layers', async () => {
    const slowDigest = big.layers[2]?.digest ?? '';
    const slow = await slowProxy(lab.host, slowDigest);
    stops.push(() => slow.close());
    const ref = `${slow.host}/test/big:1`;
    const child = spawn(process.execPath, [MINIBOX_BIN, 'pull', ref], { env: { ...process.env, MINIBOX_ROOT: root, DOCKER_CONFIG: dockerConfig }, stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    // wait until the two fast layers are committed while the slow one is still coming
    const deadline = Date.now() + 30_000;
    while ((await snapshots()).filter((n) => /^[0-9a-f]{64}$/.test(n)).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await exited;
    const committed = (await snapshots()).filter((n) => /^[0-9a-f]{64}$/.test(n));
    expect(committed).toHaveLength(2);
    expect((await snapshots()).some((n) => n.includes('.tmp-'))).toBe(true); // the slow layer's, left by the kill
    expect(await fs.readdir(path.join(root, 'images')).catch(() => [])).toEqual([]); // no image without all its layers

    const r = await mb(['pull', ref]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(layerLines(r.stdout, 'Already exists')).toEqual([short(big.layers[0]?.digest ?? ''), short(big.layers[1]?.digest ?? '')]);
    expect(layerLines(r.stdout, 'Pull complete')).toEqual([short(slowDigest)]);
    expect(await snapshots()).toHaveLength(3);
    expect(await fs.readdir(path.join(root, 'tmp'))).toEqual([]);
  });
});

describe('minibox login / logout', () => {
  it('verifies credentials before storing them, and pulls with them', async () => {
    const wrong = await mb(['login', '-u', 'alice', '-p', 'wrong', lab.host]);
    expect(wrong.stderr).toContain('minibox: unauthorized: incorrect username or password\n');
    expect(wrong.code).toBe(1);
    await expect(fs.readFile(path.join(dockerConfig, 'config.json'), 'utf8')).rejects.toThrow();

    const ok = await mb(['login', '-u', 'alice', '--password-stdin', `http://${lab.host}`], { input: `${ALICE.password}\n` });
    expect(ok.stdout).toBe('Login Succeeded\n');
    expect(ok.code).toBe(0);
    const config = JSON.parse(await fs.readFile(path.join(dockerConfig, 'config.json'), 'utf8'));
    expect(config.auths[lab.host].auth).toBe(Buffer.from('alice:s3cret').toString('base64'));

    const before = lab.token?.requests.length ?? 0;
    expect((await mb(['pull', '-q', `${lab.host}/test/bb:1`])).code).toBe(0);
    expect(lab.token?.requests.slice(before).some((q) => q.user === 'alice' && q.scopes.includes('repository:test/bb:pull'))).toBe(true);

    const out = await mb(['logout', lab.host]);
    expect(out.stdout).toBe(`Removing login credentials for ${lab.host}\n`);
    expect(JSON.parse(await fs.readFile(path.join(dockerConfig, 'config.json'), 'utf8')).auths).toEqual({});
    expect((await mb(['logout', lab.host])).stdout).toBe(`Not logged in to ${lab.host}\n`);
  });

  it('refuses a stored wrong password at pull time, and bad flag combinations', async () => {
    await fs.writeFile(path.join(dockerConfig, 'config.json'), JSON.stringify({ auths: { [lab.host]: { auth: Buffer.from('alice:nope').toString('base64') } } }));
    const r = await mb(['pull', `${lab.host}/test/bb:1`]);
    expect(r.stderr).toBe('minibox: unauthorized: incorrect username or password\n');
    expect(r.code).toBe(1);
    expect((await mb(['login', '--password-stdin', lab.host])).stderr).toBe('minibox: Must provide --username with --password-stdin\n');
    const stored = await mb(['login', lab.host]); // no -u: the stored login is tried, and fails
    expect(stored.stdout).toBe('Authenticating with existing credentials...\n');
    expect(stored.stderr).toBe('minibox: unauthorized: incorrect username or password\n');
    expect(stored.code).toBe(1);
  });
});

/** A proxy that sends one blob slowly (64 kB every 40 ms) and everything else as is. */
async function slowProxy(target: string, slowDigest: string): Promise<LoopbackServer> {
  return listenLoopback((req, res) => {
    forward(req, target)
      .then(async (up) => {
        const headers = { ...up.headers };
        delete headers['transfer-encoding'];
        delete headers['connection'];
        headers['content-length'] = String(up.body.length);
        res.writeHead(up.status, headers);
        if (!(req.url ?? '').endsWith(slowDigest) || req.method !== 'GET') return void res.end(up.body);
        for (let i = 0; i < up.body.length && !res.destroyed; i += 64 * 1024) {
          res.write(up.body.subarray(i, i + 64 * 1024));
          await new Promise((r) => setTimeout(r, 40));
        }
        res.end();
      })
      .catch((err: unknown) => res.writeHead(502).end(String(err)));
  });
}
