import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { MINIBOX_BIN, minibox } from '../helpers/minibox.js';
import { useBusyboxRoot } from '../helpers/busybox-root.js';

/** `cp` and `diff` (issue #12): the container's changes from its overlay upper dir, as Docker prints them. */
let root: string;
const mb = (...args: string[]) => minibox(args, { root });

useBusyboxRoot((r) => (root = r));

describe('diff', () => {
  it('a stopped container: added, changed and deleted paths, parents changed, sorted', async () => {
    const script = 'echo x > /new; echo y >> /etc/passwd; rm /etc/group; mkdir -p /made/sub; touch /made/sub/f';
    expect((await mb('run', '--name', 'd1', 'busybox', 'sh', '-c', script)).code).toBe(0);
    const r = await mb('diff', 'd1');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(['C /etc', 'D /etc/group', 'C /etc/passwd', 'A /made', 'A /made/sub', 'A /made/sub/f', 'A /new', ''].join('\n'));
  });

  it('a dir replaced by a new one (opaque): C for it, A for its content', async () => {
    expect((await mb('run', '--name', 'd2', 'busybox', 'sh', '-c', 'rm -rf /usr && mkdir /usr && echo 1 > /usr/only')).code).toBe(0);
    const out = (await mb('diff', 'd2')).stdout;
    expect(out).toBe('C /usr\nA /usr/only\n');
  });

  it('a running container, and nothing changed → no output', async () => {
    expect((await mb('run', '-d', '--name', 'd3', 'busybox', 'sleep', '30')).code).toBe(0);
    const r = await mb('diff', 'd3');
    expect(r).toMatchObject({ code: 0, stdout: '' });
  });

  it('unknown container: No such container, exit 1', async () => {
    const r = await mb('diff', 'nope');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('No such container: nope');
  });
});

/** `minibox cp SRC -`: the tar it writes, as bytes. */
function cpToStdout(src: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MINIBOX_BIN, 'cp', src, '-'], { env: { ...process.env, MINIBOX_ROOT: root }, stdio: ['ignore', 'pipe', 'inherit'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`cp exited ${code}`))));
  });
}

/** `minibox cp - DEST` fed with `tarBytes`: its exit status. */
function cpFromStdin(tarBytes: Buffer, dest: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MINIBOX_BIN, 'cp', '-', dest], { env: { ...process.env, MINIBOX_ROOT: root }, stdio: ['pipe', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
    child.stdin.on('error', () => {}); // EPIPE from a cp that refused early: its status tells
    child.stdin.end(tarBytes);
  });
}

describe('cp', () => {
  let host: string;
  beforeAll(() => {
    host = mkdtempSync(path.join(os.tmpdir(), 'minibox-cp-'));
  });
  afterAll(() => rmSync(host, { recursive: true, force: true }));
  const inCtr = async (c: string, ...cmd: string[]) => (await mb('exec', c, ...cmd)).stdout;

  it('a file both ways, into a directory under its own name or as DEST', async () => {
    await mb('run', '-d', '--name', 'c1', 'busybox', 'sleep', '60');
    writeFileSync(path.join(host, 'hello.txt'), 'hi there\n');
    expect((await mb('cp', path.join(host, 'hello.txt'), 'c1:/tmp/')).code).toBe(0);
    expect(await inCtr('c1', 'cat', '/tmp/hello.txt')).toBe('hi there\n');
    expect((await mb('cp', path.join(host, 'hello.txt'), 'c1:/tmp/renamed')).code).toBe(0);
    expect(await inCtr('c1', 'cat', '/tmp/renamed')).toBe('hi there\n');
    const out = path.join(host, 'out1');
    mkdirSync(out);
    expect((await mb('cp', 'c1:/etc/passwd', out)).code).toBe(0);
    expect(readFileSync(path.join(out, 'passwd'), 'utf8')).toContain('root:x:0:0');
    const r = await mb('cp', path.join(host, 'hello.txt'), 'c1:/nodir/');
    expect(r.code).toBe(1);
  });

  it('directories: copied into, created, or only their content with SRC/.; symlinks stay symlinks', async () => {
    await mb('run', '-d', '--name', 'c2', 'busybox', 'sleep', '60');
    const d = path.join(host, 'tree');
    mkdirSync(path.join(d, 'sub'), { recursive: true });
    writeFileSync(path.join(d, 'sub', 'f'), 'deep\n');
    symlinkSync('/etc/shadow-on-host', path.join(d, 'link'));
    expect((await mb('cp', d, 'c2:/tmp')).code).toBe(0);
    expect(await inCtr('c2', 'cat', '/tmp/tree/sub/f')).toBe('deep\n');
    expect(await inCtr('c2', 'readlink', '/tmp/tree/link')).toBe('/etc/shadow-on-host\n');
    expect((await mb('cp', `${d}/.`, 'c2:/tmp/flat')).code).toBe(0);
    expect(await inCtr('c2', 'ls', '/tmp/flat')).toBe('link\nsub\n');
    const back = path.join(host, 'back');
    expect((await mb('cp', 'c2:/tmp/tree', back)).code).toBe(0);
    expect(readFileSync(path.join(back, 'sub', 'f'), 'utf8')).toBe('deep\n');
    expect(lstatSync(path.join(back, 'link')).isSymbolicLink()).toBe(true);
    expect((await mb('cp', d, `c2:/tmp/tree/sub/f`)).code).toBe(1); // a directory onto a file
  });

  it('- is a tar stream: out to stdout, in from stdin', async () => {
    await mb('run', '-d', '--name', 'c3', 'busybox', 'sleep', '60');
    const tarOut = await cpToStdout('c3:/etc/passwd');
    expect(tarOut.subarray(0, 6).toString()).toBe('passwd');
    expect(tarOut.length % 512).toBe(0);
    const r = await cpFromStdin(tarOut, 'c3:/tmp');
    expect(r).toBe(0);
    expect(await inCtr('c3', 'cat', '/tmp/passwd')).toContain('root:x:0:0');
  });

  it('never leaves the container: .. and symlinks resolve inside its root', async () => {
    await mb('run', '-d', '--name', 'c4', 'busybox', 'sh', '-c', 'ln -s ../../../../../..' + host + '/outside /tmp/esc; sleep 60');
    mkdirSync(path.join(host, 'outside'));
    writeFileSync(path.join(host, 'payload'), 'p\n');
    expect((await mb('cp', path.join(host, 'payload'), 'c4:../../../../../etc/payload')).code).toBe(0);
    expect(await inCtr('c4', 'cat', '/etc/payload')).toBe('p\n');
    expect(existsSync('/etc/payload')).toBe(false);
    const r = await mb('cp', path.join(host, 'payload'), 'c4:/tmp/esc/');
    expect(r.code).toBe(1); // the link means the container's own (missing) dir
    expect(readdirSync(path.join(host, 'outside'))).toEqual([]);
  });

  it('-a keeps uid/gid; without it the copy belongs to root', async () => {
    await mb('run', '-d', '--name', 'c5', 'busybox', 'sleep', '60');
    const f = path.join(host, 'owned');
    writeFileSync(f, 'o\n');
    chownSync(f, 1234, 2345);
    await mb('cp', f, 'c5:/tmp/plain');
    await mb('cp', '-a', f, 'c5:/tmp/kept');
    expect(await inCtr('c5', 'stat', '-c', '%u:%g', '/tmp/plain', '/tmp/kept')).toBe('0:0\n1234:2345\n');
  });

  it('a stopped container: both ways through its layers, seen by diff', async () => {
    expect((await mb('run', '--name', 'c7', 'busybox', 'sh', '-c', 'echo made > /made')).code).toBe(0);
    const f = path.join(host, 'into-stopped');
    writeFileSync(f, 'offline\n');
    const put = await mb('cp', f, 'c7:/etc/');
    expect(put).toMatchObject({ code: 0, stderr: '' });
    const out = path.join(host, 'from-stopped');
    expect((await mb('cp', 'c7:/made', out)).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('made\n');
    expect((await mb('cp', 'c7:/etc/passwd', path.join(host, 'passwd7'))).code).toBe(0); // from a lower layer
    expect(readFileSync(path.join(host, 'passwd7'), 'utf8')).toContain('root:x:0:0');
    expect((await mb('diff', 'c7')).stdout).toContain('A /etc/into-stopped\n');
    const made = await cpToStdout('c7:/made'); // tar streams pass through the shim's namespace
    expect(made.subarray(0, 4).toString()).toBe('made');
    expect(await cpFromStdin(made, 'c7:/tmp')).toBe(0);
    expect((await mb('diff', 'c7')).stdout).toContain('A /tmp/made\n');
    const missing = await mb('cp', 'c7:/nope', host);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Could not find the file /nope in container c7');
  });

  it('a missing path: Docker\'s wording, exit 1', async () => {
    await mb('run', '-d', '--name', 'c6', 'busybox', 'sleep', '60');
    const r = await mb('cp', 'c6:/nope', host);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Could not find the file /nope in container c6');
  });
});
