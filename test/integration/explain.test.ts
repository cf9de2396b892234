import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minibox, REPO } from '../helpers/minibox.js';
import { useBusyboxRoot } from '../helpers/busybox-root.js';
import { makeLayer, pushImage, startRegistry, type LabRegistry } from '../helpers/registry-lab/index.js';

/**
 * `minibox --explain`: each step on stderr as it happens, from minibox and from the shim
 * (its trace fd); verbose adds the why, json one object a line; a failing step ends the
 * trace; without the option nothing changes: no line, no trace fd, no trace config record.
 */
let root: string;
const mb = (...args: string[]) => minibox(args, { root, timeoutMs: 60_000 });

useBusyboxRoot((r) => (root = r));

const traceLines = (stderr: string): string[] => stderr.split('\n').filter((l) => l.startsWith('[minibox] ') || l.startsWith('[shim] '));
const jsonLines = (stderr: string): Array<Record<string, unknown>> =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** The index of the first line matching re, failing the test (with the trace) when none does. */
function indexOf(lines: string[], re: RegExp): number {
  const i = lines.findIndex((l) => re.test(l));
  expect(i, `no line matches ${re} in:\n${lines.join('\n')}`).toBeGreaterThanOrEqual(0);
  return i;
}

describe('minibox --explain run', () => {
  it('names the namespaces cloned, the memory limit written, the overlay mount and pivot_root, in the order they happen', async () => {
    const r = await mb('--explain', 'run', '-m', '64m', '--rm', '--network', 'none', 'busybox', 'true');
    expect(r.code).toBe(0);
    const lines = traceLines(r.stderr);
    expect(lines.length).toBe(r.stderr.trimEnd().split('\n').length); // nothing else on stderr
    const limit = indexOf(lines, /^\[minibox\] write \/sys\/fs\/cgroup\/\S*memory\S*\/(memory\.limit_in_bytes|memory\.max) ← 67108864$/);
    const clone = indexOf(lines, /^\[shim\] clone\((?=.*CLONE_NEWPID)(?=.*CLONE_NEWNS)(?=.*CLONE_NEWUTS)(?=.*CLONE_NEWIPC)(?=.*CLONE_NEWNET)[A-Z_|]+\) → pid \d+$/);
    const cgroupns = indexOf(lines, /^\[shim\] unshare\(CLONE_NEWCGROUP\)/);
    const overlay = indexOf(lines, /^\[shim\] mount overlay on …\/rootfs lowerdir=…\/snapshots\/[0-9a-f]{12}…\(1 layer\) upperdir=…\/upper$/);
    const pivot = indexOf(lines, /^\[shim\] pivot_root\("\.", "\."\)/);
    const execve = indexOf(lines, /^\[shim\] execve\("\/bin\/true"\)/);
    // the limit is on the cgroup before the process that joins it exists
    expect([limit, clone, cgroupns, overlay, pivot, execve]).toEqual([...[limit, clone, cgroupns, overlay, pivot, execve]].sort((a, b) => a - b));
    indexOf(lines, /^\[shim\] capset .*\(14 capabilities\)$/);
    indexOf(lines, /^\[shim\] seccomp filter, default errno:1 \(\d+ rules, \d+ BPF instructions\)$/);
  });

  it('--explain=verbose says why once per concept', async () => {
    const r = await mb('--explain=verbose', 'run', '--rm', '--network', 'none', 'busybox', 'true');
    expect(r.code).toBe(0);
    const lines = r.stderr.trimEnd().split('\n');
    const whys = lines.filter((l) => l.startsWith('      why: '));
    expect(whys.length).toBe(new Set(whys).size); // never twice
    const afterClone = lines[indexOf(lines, /^\[shim\] clone\(/) + 1];
    expect(afterClone).toMatch(/^ {6}why: Namespaces give the new process its own view/);
    expect(lines[indexOf(lines, /^\[shim\] pivot_root\(/) + 1]).toMatch(/^ {6}why: pivot_root makes/);
  });

  it('--explain=json: every line parses and carries step, target, value, result, source, t_ms', async () => {
    const r = await mb('--explain=json', 'run', '-m', '64m', '--rm', '--network', 'none', 'busybox', 'true');
    expect(r.code).toBe(0);
    const raw = r.stderr.trimEnd().split('\n');
    const events = raw.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.length).toBeGreaterThan(10);
    for (const e of events) {
      expect(Object.keys(e)).toEqual(expect.arrayContaining(['step', 'target', 'value', 'result', 'source', 't_ms']));
      expect(['minibox', 'shim']).toContain(e.source);
      expect(typeof e.t_ms).toBe('number');
    }
    expect(events.find((e) => String(e.target).endsWith('/memory.limit_in_bytes') || String(e.target).endsWith('/memory.max'))).toMatchObject({ step: 'write', value: '67108864', source: 'minibox' });
    const overlay = events.find((e) => e.step === 'mount' && String(e.value).startsWith('overlay '));
    expect(overlay).toMatchObject({ source: 'shim', target: expect.stringMatching(/\/containers\/[0-9a-f]{64}\/rootfs$/) });
    expect(String(overlay?.target).startsWith(`${root}/`)).toBe(true); // json keeps paths whole
  });

  it('a failing step is the last trace line and names the errno', async () => {
    const r = await mb('--explain', 'run', '--rm', '--network', 'none', 'busybox', '/no/such/program');
    expect(r.code).toBe(127);
    const lines = traceLines(r.stderr);
    expect(lines.at(-1)).toBe('[shim] exec → ENOENT ("/no/such/program": no such file or directory)');
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe('minibox: exec: "/no/such/program": no such file or directory');

    const j = await mb('--explain=json', 'run', '--rm', '--network', 'none', 'busybox', 'no-such-program');
    expect(j.code).toBe(127);
    expect(jsonLines(j.stderr).at(-1)).toMatchObject({ step: 'exec', errno: 'ENOENT', source: 'shim' });
  });

  it('exec shows the setns into the running container', async () => {
    await mb('run', '-d', '--name', 'xs', 'busybox', 'sleep', '60');
    const r = await mb('--explain', 'exec', 'xs', 'true');
    expect(r.code).toBe(0);
    const lines = traceLines(r.stderr);
    const setns = indexOf(lines, /^\[shim\] setns\(ipc, uts, net, pid, cgroup, mnt\) ← \d+ → joined the container's namespaces$/);
    expect(setns).toBeLessThan(indexOf(lines, /^\[shim\] execve\(/));
  });

  it('an unknown mode is refused in one line', async () => {
    const r = await mb('--explain=loud', 'run', '--rm', 'busybox', 'true');
    expect(r).toMatchObject({ code: 125, stdout: '', stderr: 'minibox: invalid --explain value "loud": use --explain, --explain=verbose or --explain=json\n' });
  });
});

describe('without --explain', () => {
  let wrapDir: string;
  beforeAll(() => {
    // stands in for the shim: records the fds minibox gave it and the config, then becomes the shim
    wrapDir = mkdtempSync(path.join(os.tmpdir(), 'explain-shim-wrap-'));
    const wrapper = path.join(wrapDir, 'shim');
    writeFileSync(
      wrapper,
      [
        '#!/bin/sh',
        'log="$WRAP_LOG"',
        'for n in 3 4 5 6 7 8 9; do [ -e /proc/$$/fd/$n ] && printf "%s " $n; done > "$log.fds"',
        '[ "$1" = run ] || exec "$REAL_SHIM" "$@"',
        'cat <&3 > "$log.cfg"',
        'exec "$REAL_SHIM" "$@" 3<"$log.cfg"',
        '',
      ].join('\n'),
    );
    chmodSync(wrapper, 0o755);
  });
  afterAll(() => rmSync(wrapDir, { recursive: true, force: true }));

  const wrapped = (log: string, ...args: string[]) =>
    minibox(args, { root, env: { MINIBOX_SHIM: path.join(wrapDir, 'shim'), REAL_SHIM: path.join(REPO, 'native-shim', 'build', 'minibox-shim'), WRAP_LOG: log } });

  it('stderr is as before, and the shim gets no trace fd and no trace record', async () => {
    const log = path.join(wrapDir, 'off');
    const off = await wrapped(log, 'run', '--rm', '--network', 'none', 'busybox', 'true');
    expect(off).toMatchObject({ code: 0, stderr: '' });
    expect(readFileSync(`${log}.fds`, 'utf8').trim()).toBe('3 4');
    expect(readFileSync(`${log}.cfg`, 'utf8').split('\0')).not.toContainEqual(expect.stringMatching(/^trace=/));
    const failed = await wrapped(log, 'run', '--rm', '--network', 'none', 'busybox', '/no/such/program');
    expect(failed).toMatchObject({ code: 127, stderr: 'minibox: exec: "/no/such/program": no such file or directory\n' });

    // the wrapper sees the difference: with --explain one more fd, named in the config
    const onLog = path.join(wrapDir, 'on');
    const on = await wrapped(onLog, '--explain', 'run', '--rm', '--network', 'none', 'busybox', 'true');
    expect(on.code).toBe(0);
    expect(readFileSync(`${onLog}.fds`, 'utf8').trim()).toBe('3 4 5');
    expect(readFileSync(`${onLog}.cfg`, 'utf8').split('\0')).toContain('trace=5');
  });
});

describe('minibox --explain pull', () => {
  let lab: LabRegistry;
  beforeAll(async () => {
    lab = await startRegistry();
  }, 60_000);
  afterAll(async () => lab?.stop());

  it('shows the GET of the manifest with its status and digest, and the layers', async () => {
    const layer = await makeLayer({ 'hello.txt': 'hello\n' });
    const diffId = `sha256:${createHash('sha256').update(gunzipSync(layer)).digest('hex')}`;
    const config = { os: 'linux', architecture: process.arch === 'arm64' ? 'arm64' : 'amd64', config: { Cmd: ['/bin/sh'] }, rootfs: { type: 'layers', diff_ids: [diffId] } };
    const pushed = await pushImage(lab.host, 'test/explain', '1', { layers: [layer], config });

    const r = await mb('--explain=json', 'pull', `${lab.host}/test/explain:1`);
    expect(r.code).toBe(0);
    const events = jsonLines(r.stderr);
    expect(events.find((e) => e.step === 'GET' && e.target === '/v2/test/explain/manifests/1')).toMatchObject({ result: `200 (${pushed.digest})`, source: 'minibox' });
    expect(events.find((e) => e.step === 'GET' && e.target === `/v2/test/explain/blobs/${pushed.layers[0]?.digest}`)).toMatchObject({ result: expect.stringMatching(/^200/) });
    expect(events.find((e) => e.step === 'unpack layer')).toMatchObject({ concept: 'layers', target: expect.stringMatching(/\/snapshots\/[0-9a-f]{64}$/) });

    await mb('rmi', `${lab.host}/test/explain:1`);
    const text = await mb('--explain', 'pull', `${lab.host}/test/explain:1`);
    expect(traceLines(text.stderr)).toContain(`[minibox] GET /v2/test/explain/manifests/1 → 200 (sha256:${pushed.digest.slice(7, 19)}…)`);
  });
});
