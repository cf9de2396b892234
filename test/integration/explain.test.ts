import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minibox, REPO } from '../helpers/minibox.js';
import { useBusyboxRoot } from '../helpers/busybox-root.js';
import { removeAll } from '../helpers/detached.js';
import { makeLayer, pushImage, startRegistry, type LabRegistry } from '../helpers/registry-lab/index.js';
import { freePort } from '../helpers/registry-lab/lifecycle.js';
import { CONCEPTS } from '../../src/cli/explain-concepts.js';

/**
 * `minibox --explain`: each step on stderr as it happens, from minibox and from the shim
 * (its trace fd); verbose adds the why, json one object a line; a failing step ends the
 * trace; without the option nothing changes: no line, no trace fd, no trace config record.
 * The commands of issue #17 each: run (none and bridge, with -p), exec, stop, rm, network
 * connect/disconnect, build, compose up/down, pull. The run-latency side ("off, and then
 * free") is bench/explain.mjs.
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
    // each line short: ids, digests and the container's own paths shortened
    for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(100);
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
    // --explain=verbose has its sentence for every concept a step names, the shim's too
    const concepts = new Set(events.map((e) => e.concept).filter((c): c is string => typeof c === 'string'));
    expect(concepts.size).toBeGreaterThan(8);
    for (const c of concepts) expect(CONCEPTS, `no "why" for the concept ${c}`).toHaveProperty([c]);
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

  it('minibox --help names the global option and its modes', async () => {
    const r = await mb('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}--explain\[=verbose\|json\] +before the command: print each step/m);
  });

  it('an unknown mode is refused in one line', async () => {
    const r = await mb('--explain=loud', 'run', '--rm', 'busybox', 'true');
    expect(r).toMatchObject({ code: 125, stdout: '', stderr: 'minibox: invalid --explain value "loud": use --explain, --explain=verbose or --explain=json\n' });
  });
});

const SLEEPER = ['sh', '-c', 'trap "exit 0" TERM; sleep 600 & wait'];
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface Inspected {
  Id: string;
  State: { Pid: number };
  NetworkSettings: { Networks: Record<string, { IPAddress: string; IPPrefixLen: number }> };
}
async function inspectOf(ref: string): Promise<Inspected> {
  const r = await mb('inspect', ref);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as Inspected[])[0]!;
}

describe('minibox --explain on the bridge network, stop and rm', () => {
  it('run -p (verbose): the veth into the netns of the cloned pid, eth0 with the address inspect shows, the DNAT rule; stop: the signal; rm: the dirs', async () => {
    const port = await freePort();
    const run = await mb('--explain=verbose', 'run', '-d', '--name', 'xb', '-p', `127.0.0.1:${port}:80`, 'busybox', ...SLEEPER);
    expect(run.code, run.stderr).toBe(0);
    const c = await inspectOf('xb');
    const ip = c.NetworkSettings.Networks['bridge']?.IPAddress ?? '';
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const lines = traceLines(run.stderr);
    const clone = indexOf(lines, new RegExp(`^\\[shim\\] clone\\([A-Z_|]+\\) → pid ${c.State.Pid}$`));
    const veth = indexOf(lines, new RegExp(`^\\[shim\\] veth mbx${c.Id.slice(0, 10)} ↔ eth0 in netns of pid ${c.State.Pid} → created \\(RTM_NEWLINK\\)$`));
    const addr = indexOf(lines, new RegExp(`^\\[shim\\] ip addr add eth0 ← ${esc(ip)}/16 → up`));
    const execve = indexOf(lines, /^\[shim\] execve\("\/bin\/sh", …\)/);
    expect([clone, veth, addr, execve]).toEqual([clone, veth, addr, execve].sort((a, b) => a - b));
    // the rule is in place before the container runs (docker's order: publish, then start)
    const dnat = indexOf(lines, new RegExp(`^\\[minibox\\] iptables -t nat DNAT 127\\.0\\.0\\.1:${port}/tcp → ${esc(ip)}:80$`));
    expect(dnat).toBeLessThan(clone);
    // verbose: the network's concepts explained under their first step
    const raw = run.stderr.trimEnd().split('\n');
    const whyAfter = (line: string) => raw[raw.indexOf(line) + 1];
    expect(whyAfter(lines[dnat]!)).toBe(`      why: ${CONCEPTS.dnat}`);
    expect(whyAfter(lines[veth]!)).toBe(`      why: ${CONCEPTS.veth}`);
    expect(whyAfter(lines.find((l) => l.includes('iptables-restore'))!)).toBe(`      why: ${CONCEPTS.firewall}`);

    const stop = await mb('--explain', 'stop', 'xb');
    expect(stop.code, stop.stderr).toBe(0);
    const stopLines = traceLines(stop.stderr);
    // the trap makes SIGTERM enough: no SIGKILL follows
    expect(stopLines.filter((l) => l.includes('pidfd_send_signal'))).toEqual([`[minibox] pidfd_send_signal pid ${c.State.Pid} ← signal 15`]);
    expect(stopLines.at(-1)).toMatch(new RegExp(`^\\[minibox\\] ip link del mbx${c.Id.slice(0, 10)}\\b`));

    const rm = await mb('--explain', 'rm', 'xb');
    expect(rm.code, rm.stderr).toBe(0);
    expect(traceLines(rm.stderr)).toEqual(['[minibox] rm -r … → its config, logs and upper dir (the writable layer) are gone']);
    expect(rm.stdout).toBe('xb\n');
  });
});

describe('minibox --explain network', () => {
  const NET = 'explain-net';
  afterAll(async () => {
    await removeAll(root);
    await mb('network', 'rm', NET);
  });

  it("connect: a veth of the network's bridge becomes eth1 with the address inspect shows; disconnect deletes it", async () => {
    const create = await mb('--explain', 'network', 'create', NET);
    expect(create.code, create.stderr).toBe(0);
    const netInspect = JSON.parse((await mb('network', 'inspect', NET)).stdout) as Array<{ Options: Record<string, string>; IPAM: { Config: Array<{ Subnet: string }> } }>;
    const bridge = netInspect[0]?.Options['com.docker.network.bridge.name'] ?? '';
    expect(bridge).toMatch(/^mbx/);
    // the record is all `network create` makes: the bridge comes with the first container
    const subnet = netInspect[0]?.IPAM.Config[0]?.Subnet ?? '';
    expect(traceLines(create.stderr)).toEqual([
      expect.stringMatching(new RegExp(`^\\[minibox\\] write \\S*${NET}\\S* \\(subnet ${esc(subnet)}, gateway [\\d.]+\\) → bridge ${bridge} is made with its first container$`)),
    ]);
    expect((await mb('run', '-d', '--name', 'xn', 'busybox', ...SLEEPER)).code).toBe(0);

    const connect = await mb('--explain', 'network', 'connect', NET, 'xn');
    expect(connect.code, connect.stderr).toBe(0);
    const c = await inspectOf('xn');
    const ip = c.NetworkSettings.Networks[NET]?.IPAddress ?? '';
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const lines = traceLines(connect.stderr);
    const veth = indexOf(lines, new RegExp(`^\\[minibox\\] veth (mbx\\w+) ↔ eth1 in netns of pid ${c.State.Pid} ← ${esc(ip)}/\\d+ → on ${bridge}$`));
    expect(lines.at(-1)).toBe(lines[veth]);
    const vethName = / veth (\S+) /.exec(lines[veth]!)?.[1] ?? '';

    const disconnect = await mb('--explain', 'network', 'disconnect', NET, 'xn');
    expect(disconnect.code, disconnect.stderr).toBe(0);
    expect(traceLines(disconnect.stderr).at(-1)).toMatch(new RegExp(`^\\[minibox\\] ip link del ${vethName}( |$)`));

    expect((await mb('rm', '-f', 'xn')).code).toBe(0);
    const rmNet = await mb('--explain', 'network', 'rm', NET);
    expect(rmNet.code, rmNet.stderr).toBe(0);
    expect(traceLines(rmNet.stderr).at(-1)).toMatch(new RegExp(`^\\[minibox\\] rm \\S*/${NET}\\.json$`));
  });
});

describe('minibox --explain build and compose', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'explain-build-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('build: a RUN step is a container like run (clone, execve of its shell), its changes unpacked as a new layer', async () => {
    writeFileSync(path.join(dir, 'Dockerfile'), 'FROM busybox\nRUN echo hi > /explained\n');
    const r = await mb('--explain', 'build', '-t', 'explained:1', dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Successfully tagged explained:1');
    const lines = traceLines(r.stderr);
    const clone = indexOf(lines, /^\[shim\] clone\((?=.*CLONE_NEWPID)(?=.*CLONE_NEWNS)[A-Z_|]+\) → pid \d+$/);
    const overlay = indexOf(lines, /^\[shim\] mount overlay on …\/rootfs lowerdir=…\/snapshots\/[0-9a-f]{12}…\(1 layer\) upperdir=…\/upper$/);
    const execve = indexOf(lines, /^\[shim\] execve\("\/bin\/sh", …\)/);
    const layer = indexOf(lines, /^\[minibox\] unpack layer …\/snapshots\/[0-9a-f]{12}… \(\d+ bytes, diffID checked\)$/);
    expect([clone, overlay, execve, layer]).toEqual([clone, overlay, execve, layer].sort((a, b) => a - b));
    // the RUN container is gone again: its cgroup removed, its dirs too
    indexOf(lines.slice(execve), /^\[minibox\] rmdir \/sys\/fs\/cgroup\//);
    indexOf(lines.slice(layer), /^\[minibox\] rm -r … → /);

    // the image built has two layers: a container of it mounts both under its upper dir (the top one, the RUN's, named first)
    const run = await mb('--explain', 'run', '--rm', '--network', 'none', 'explained:1', 'cat', '/explained');
    expect(run).toMatchObject({ code: 0, stdout: 'hi\n' });
    const top = /\/snapshots\/([0-9a-f]{12})…/.exec(lines[layer]!)?.[1] ?? '';
    indexOf(traceLines(run.stderr), new RegExp(`^\\[shim\\] mount overlay on …/rootfs lowerdir=…/snapshots/${top}……\\(2 layers\\) upperdir=…/upper$`));
  });

  it('compose up -d: each service cloned and executed; down: the stop signal, the veth and the dirs', async () => {
    const file = path.join(dir, 'compose.yaml');
    writeFileSync(file, 'services:\n  one:\n    image: busybox\n    command: ["sleep", "300"]\n    stop_grace_period: 1s\n  two:\n    image: busybox\n    command: ["sleep", "301"]\n    stop_grace_period: 1s\n');
    const compose = (...args: string[]) => mb('compose', '-f', file, '-p', 'explained', ...args);
    try {
      const up = await mb('--explain', 'compose', '-f', file, '-p', 'explained', 'up', '-d');
      expect(up.code, up.stderr).toBe(0);
      const lines = traceLines(up.stderr);
      expect(lines.filter((l) => /^\[shim\] clone\(/.test(l))).toHaveLength(2);
      const programs = lines.filter((l) => l.startsWith('[shim] execve(')).sort();
      expect(programs).toEqual(['[shim] execve("/bin/sleep", …) → the program replaces the shim', '[shim] execve("/bin/sleep", …) → the program replaces the shim']);
      expect(lines.filter((l) => /^\[shim\] veth mbx\w+ ↔ eth0 /.test(l))).toHaveLength(2);
      const pids = await Promise.all(['explained-one-1', 'explained-two-1'].map(async (n) => (await inspectOf(n)).State.Pid));

      const down = await mb('--explain', 'compose', '-f', file, '-p', 'explained', 'down');
      expect(down.code, down.stderr).toBe(0);
      const downLines = traceLines(down.stderr);
      for (const pid of pids) indexOf(downLines, new RegExp(`^\\[minibox\\] pidfd_send_signal pid ${pid} ← signal 15$`));
      expect(downLines.filter((l) => l.startsWith('[minibox] rm -r … → '))).toHaveLength(2);
      indexOf(downLines, /^\[minibox\] ip link del mbx/);
    } finally {
      await compose('down');
    }
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
    for (const e of events) if (e.concept !== undefined) expect(CONCEPTS, `no "why" for the concept ${String(e.concept)}`).toHaveProperty([String(e.concept)]);

    await mb('rmi', `${lab.host}/test/explain:1`);
    const text = await mb('--explain', 'pull', `${lab.host}/test/explain:1`);
    expect(traceLines(text.stderr)).toContain(`[minibox] GET /v2/test/explain/manifests/1 → 200 (sha256:${pushed.digest.slice(7, 19)}…)`);
  });
});
