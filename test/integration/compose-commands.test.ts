import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MINIBOX_BIN, makeStateRoot, minibox } from '../helpers/minibox.js';
import { ensureBusyboxLayout } from '../helpers/busybox.js';
import { cgroupFile } from '../helpers/cgroup-paths.js';
import { leakcheck } from '../helpers/leakcheck.js';
import { waitFor } from '../helpers/wait.js';
import { startRegistry, type LabRegistry } from '../helpers/registry-lab/index.js';

/**
 * `minibox compose` beyond up/down, with real busybox containers: exec and run (a one-off
 * container, its dependencies first), links and their aliases, expose, deploy.resources in
 * the cgroup, pull and push against the lab registry, ls, up --wait (healthy, and an
 * unhealthy service named), logs --tail and coloured prefixes on a terminal, attached up
 * with Ctrl-C (a graceful stop, a second Ctrl-C kills), external networks and volumes, and
 * bad files that start nothing and leave nothing.
 */
let root = '';
let cleanup = () => {};
let work = '';
const projects: Array<{ dir: string; name: string }> = [];

/** A project folder with a compose.yaml (and other files), cleaned up by afterEach's down. */
function project(name: string, files: Record<string, string>): string {
  const dir = path.join(work, name);
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), text);
  }
  projects.push({ dir, name });
  return dir;
}

const compose = (dir: string, args: string[], env: Record<string, string> = {}, timeoutMs = 120_000) =>
  minibox(['compose', '--project-directory', dir, '-f', path.join(dir, 'compose.yaml'), ...args], { root, env, timeoutMs });
const mb = (args: string[]) => minibox(args, { root });

async function idOf(name: string): Promise<string> {
  const r = await mb(['inspect', '--format', '{{.Id}}', name]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim();
}

async function statusOf(name: string): Promise<string> {
  return (await mb(['inspect', '--format', '{{.State.Status}}', name])).stdout.trim();
}

async function nothingLeft(): Promise<void> {
  expect((await mb(['ps', '-aq'])).stdout).toBe('');
  expect((await mb(['volume', 'ls', '-q'])).stdout).toBe('');
  expect((await mb(['network', 'ls', '--format', '{{.Name}}'])).stdout.trim().split('\n').filter((n) => n && n !== 'bridge' && n !== 'host' && n !== 'none')).toEqual([]);
}

beforeAll(async () => {
  ({ root, cleanup } = makeStateRoot());
  work = mkdtempSync(path.join(os.tmpdir(), 'compose-commands-'));
  expect((await minibox(['load', '-q', '-i', await ensureBusyboxLayout()], { root })).code).toBe(0);
});

afterEach(async () => {
  // whatever a test left (a bad file's down fails to load it: that test made nothing)
  for (const p of projects.splice(0)) await compose(p.dir, ['down', '-v', '--remove-orphans']);
});

afterAll(() => {
  cleanup();
  rmSync(work, { recursive: true, force: true });
  expect(leakcheck()).toEqual([]);
});

// db answers every connection on 3306 with one line; app links to it as "database"
const LINKED = `name: cmds
services:
  db:
    image: busybox
    command: ["sh", "-c", "printf '#!/bin/sh\\\\necho from-db\\\\n' > /a.sh; chmod +x /a.sh; echo db-up; exec nc -ll -p 3306 -e /a.sh"]
    expose: ["3306"]
    stop_grace_period: 1s
  app:
    image: busybox
    command: ["sleep", "300"]
    stop_grace_period: 1s
    links: ["db:database"]
    environment: {FROM_SERVICE: "yes"}
    deploy:
      resources:
        limits: {memory: 64m, cpus: "0.5", pids: 50}
        reservations: {memory: 32m}
`;

describe('compose exec and run', () => {
  it('exec runs in the service container with -e/-w/-u and its exit code; a link alias resolves; expose and deploy.resources are honoured', async () => {
    const dir = project('cmds', { 'compose.yaml': LINKED });
    const up = await compose(dir, ['up', '-d']);
    expect(up.code, up.stderr).toBe(0);
    // the link is a dependency: db first
    expect(up.stderr.indexOf('cmds-db-1  Started')).toBeLessThan(up.stderr.indexOf('cmds-app-1  Started'));

    const viaAlias = await waitFor(async () => {
      const r = await compose(dir, ['exec', '-T', 'app', 'sh', '-c', 'nc -w 2 database 3306 </dev/null']);
      return r.stdout.includes('from-db') ? r : undefined;
    }, { timeout: 15_000, interval: 200, what: 'db reached through the link alias' });
    expect(viaAlias.code).toBe(0);

    const opts = await compose(dir, ['exec', '-T', '-e', 'X=1', '-w', '/tmp', '-u', '1000', 'app', 'sh', '-c', 'echo $X $FROM_SERVICE $(pwd) $(id -u)']);
    expect(opts.code, opts.stderr).toBe(0);
    expect(opts.stdout.trim()).toBe('1 yes /tmp 1000');
    expect((await compose(dir, ['exec', '-T', 'app', 'sh', '-c', 'exit 7'])).code).toBe(7);
    const second = await compose(dir, ['exec', '-T', '--index', '2', 'app', 'true']);
    expect(second.code).toBe(1);
    expect(second.stderr.trim()).toBe('minibox: service "app" is not running container #2');

    // expose: shown as an exposed port of db
    expect((await compose(dir, ['ps'])).stdout).toMatch(/cmds-db-1\s.*3306\/tcp/);
    // deploy.resources: the kernel's limits of the app container
    const id = await idOf('cmds-app-1');
    const read = (v2: string, ctrl: string, v1: string) => readFileSync(cgroupFile(id, v2, ctrl, v1), 'utf8').trim();
    expect(read('memory.max', 'memory', 'memory.limit_in_bytes')).toBe(String(64 * 1024 * 1024));
    expect(read('memory.low', 'memory', 'memory.soft_limit_in_bytes')).toBe(String(32 * 1024 * 1024));
    expect(read('pids.max', 'pids', 'pids.max')).toBe('50');
    expect(read('cpu.max', 'cpu', 'cpu.cfs_quota_us')).toMatch(/^50000\b/);

    const stopped = await compose(dir, ['stop', 'app']);
    expect(stopped.code, stopped.stderr).toBe(0);
    const notRunning = await compose(dir, ['exec', '-T', 'app', 'true']);
    expect(notRunning.code).toBe(1);
    expect(notRunning.stderr.trim()).toBe('minibox: service "app" is not running');
  }, 120_000);

  it('run starts the dependencies first, runs a one-off container (--rm removes it), -e and --entrypoint apply; the one-off is no orphan', async () => {
    const dir = project('cmds', { 'compose.yaml': LINKED });
    const r = await compose(dir, ['run', '--rm', '-T', '-e', 'B=2', 'app', 'sh', '-c', 'echo B=$B; for i in 1 2 3 4 5 6 7 8 9 10; do nc -w 2 database 3306 </dev/null && exit 0; sleep 0.3; done; exit 9']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('cmds-db-1  Started');
    expect(r.stdout).toContain('B=2');
    expect(r.stdout).toContain('from-db');
    // --rm: only db is left, and app's own container was never made
    expect((await mb(['ps', '-a', '--format', '{{.Names}}'])).stdout.trim()).toBe('cmds-db-1');

    const kept = await compose(dir, ['run', '--no-deps', '-T', '--entrypoint', 'sh -c', 'app', 'echo entry; exit 3']);
    expect(kept.code).toBe(3);
    expect(kept.stdout.trim()).toBe('entry');
    const names = (await mb(['ps', '-a', '--format', '{{.Names}}'])).stdout.trim().split('\n').sort();
    expect(names).toHaveLength(2);
    const oneOff = names.find((n) => n !== 'cmds-db-1') ?? '';
    expect(oneOff).toMatch(/^cmds-app-run-[0-9a-f]{12}$/);
    expect((await mb(['inspect', '--format', '{{index .Config.Labels "com.docker.compose.oneoff"}}', oneOff])).stdout.trim()).toBe('True');
    // ps leaves one-offs out unless -a; up does not call them orphans
    expect((await compose(dir, ['ps'])).stdout).not.toContain(oneOff);
    expect((await compose(dir, ['ps', '-a'])).stdout).toContain(oneOff);
    const up = await compose(dir, ['up', '-d']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).not.toContain('orphan');
    // down removes the one-off too
    expect((await compose(dir, ['down'])).code).toBe(0);
    expect((await mb(['ps', '-aq'])).stdout).toBe('');
  }, 120_000);
});

describe('compose pull, push and ls', () => {
  let lab: LabRegistry | undefined;
  afterAll(async () => {
    await lab?.stop();
  });

  it('push sends the built services with an image name, pull fetches the services without build', async () => {
    lab = await startRegistry();
    const ref = `${lab.host}/cmds/built:1`;
    const dir = project('registry', {
      'compose.yaml': `services:\n  built:\n    build: ./img\n    image: ${ref}\n  pulled:\n    image: ${ref}\n    command: ["cat", "/built"]\n`,
      'img/Dockerfile': 'FROM busybox\nRUN echo made-here > /built\n',
    });
    const built = await compose(dir, ['build'], {}, 300_000);
    expect(built.code, built.stderr).toBe(0);
    const pushed = await compose(dir, ['push']);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stderr).toContain(` built Pushing ${ref}`);
    expect(pushed.stderr).toContain(' built Pushed');
    expect(pushed.stderr).not.toContain('pulled Push');

    expect((await mb(['rmi', ref])).code).toBe(0);
    const pulled = await compose(dir, ['pull']);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(pulled.stderr).toContain(' pulled Pulled');
    expect(pulled.stderr).not.toContain('built Pull');
    // what was pulled is what was built
    const run = await compose(dir, ['run', '--rm', '-T', '--no-deps', 'pulled']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe('made-here');
    // down --rmi all: the services' images go too (busybox, which no service names, stays)
    const down = await compose(dir, ['down', '--rmi', 'all']);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stderr).toContain(` Image ${ref}  Removed`);
    expect((await mb(['image', 'inspect', ref])).code).not.toBe(0);
    expect((await mb(['image', 'inspect', 'busybox'])).code).toBe(0);
  }, 300_000);

  it("ls lists projects from their labels with Compose's columns; --all adds the stopped; --format json", async () => {
    const dir = project('lsproj', {
      'compose.yaml': 'services:\n  a: {image: busybox, command: [sleep, "300"], stop_grace_period: 1s}\n  b: {image: busybox, command: [sleep, "300"], stop_grace_period: 1s}\n',
    });
    expect((await compose(dir, ['up', '-d'])).code).toBe(0);
    const ls = await mb(['compose', 'ls']);
    expect(ls.code, ls.stderr).toBe(0);
    const file = path.join(dir, 'compose.yaml');
    expect(ls.stdout).toMatch(/^NAME\s+STATUS\s+CONFIG FILES\n/);
    expect(ls.stdout).toMatch(new RegExp(`^lsproj\\s+running\\(2\\)\\s+${file.replace(/[.]/g, '\\.')}$`, 'm'));

    expect((await compose(dir, ['stop', 'b'])).code).toBe(0);
    expect((await mb(['compose', 'ls'])).stdout).toMatch(/^lsproj\s+running\(1\)\s/m);
    const json = await mb(['compose', 'ls', '--all', '--format', 'json']);
    expect(JSON.parse(json.stdout)).toEqual([{ Name: 'lsproj', Status: 'exited(1), running(1)', ConfigFiles: file }]);
    expect((await compose(dir, ['stop'])).code).toBe(0);
    expect((await mb(['compose', 'ls', '-q'])).stdout).toBe('');
    expect((await mb(['compose', 'ls', '-a', '-q'])).stdout).toBe('lsproj\n');
  }, 120_000);
});

describe('compose up --wait', () => {
  it('returns once the services are healthy; an unhealthy service is an error naming it', async () => {
    const dir = project('wait', {
      'compose.yaml': `services:
  db:
    image: busybox
    command: ["sh", "-c", "sleep 1; touch /tmp/ready; exec sleep 300"]
    stop_grace_period: 1s
    healthcheck: {test: ["CMD", "test", "-f", "/tmp/ready"], interval: 200ms, retries: 50}
  web:
    image: busybox
    command: ["sleep", "300"]
    stop_grace_period: 1s
  bad:
    image: busybox
    command: ["sleep", "300"]
    stop_grace_period: 1s
    profiles: [bad]
    healthcheck: {test: ["CMD", "false"], interval: 200ms, retries: 2}
`,
    });
    const ok = await compose(dir, ['up', '--wait']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain('wait-db-1  Healthy');
    // when --wait returns, the check has already passed
    expect((await mb(['inspect', '--format', '{{.State.Health.Status}}', 'wait-db-1'])).stdout.trim()).toBe('healthy');

    const bad = await compose(dir, ['--profile', 'bad', 'up', '--wait', 'bad']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('service "bad" is unhealthy (container wait-bad-1)');
    expect((await compose(dir, ['--profile', 'bad', 'down'])).code).toBe(0);
  }, 120_000);
});

describe('compose logs and attached up', () => {
  const COUNTER = 'services:\n  counter:\n    image: busybox\n    command: ["sh", "-c", "for i in 1 2 3 4 5; do echo line-$$i; done; exec sleep 300"]\n    stop_grace_period: 1s\n  other:\n    image: busybox\n    command: ["sh", "-c", "echo other-up; exec sleep 300"]\n    stop_grace_period: 1s\n';

  it('--tail N shows the last N lines; the prefixes are coloured on a terminal (or with --ansi always), plain otherwise', async () => {
    const dir = project('logs', { 'compose.yaml': COUNTER });
    expect((await compose(dir, ['up', '-d'])).code).toBe(0);
    await waitFor(async () => (await compose(dir, ['logs', 'counter'])).stdout.includes('line-5'), { what: 'counter done' });
    const tail = await compose(dir, ['logs', '--tail', '2', 'counter']);
    expect(tail.stdout).toBe('counter-1  | line-4\ncounter-1  | line-5\n');

    const plain = await compose(dir, ['logs']);
    expect(plain.stdout).not.toContain('\u001b[');
    expect(plain.stdout).toMatch(/^other-1    \| other-up$/m);
    const always = await compose(dir, ['--ansi', 'always', 'logs', 'counter', 'other']);
    // Compose's first two colours, in container-name order: cyan, yellow
    expect(always.stdout).toContain('\u001b[36mcounter-1  | \u001b[0mline-1');
    expect(always.stdout).toContain('\u001b[33mother-1    | \u001b[0mother-up');

    // on a real terminal (script(1) gives the command a pty) the colours come by themselves
    const onTty = await new Promise<string>((resolve, reject) => {
      const cmd = [process.execPath, '--', MINIBOX_BIN, 'compose', '--project-directory', dir, '-f', path.join(dir, 'compose.yaml'), 'logs', 'counter'].map((w) => `'${w}'`).join(' ');
      const child = spawn('script', ['-qec', cmd, '/dev/null'], { env: { ...process.env, MINIBOX_ROOT: root }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.on('error', reject);
      child.on('close', () => resolve(out));
    });
    expect(onTty).toContain('\u001b[36mcounter-1  | \u001b[0mline-1');
    const never = await compose(dir, ['--ansi', 'never', 'logs', '--no-color', 'counter']);
    expect(never.stdout).not.toContain('\u001b[');
  }, 120_000);

  it('up without -d streams prefixed logs; Ctrl-C stops gracefully, a second Ctrl-C kills', async () => {
    const dir = project('attached', {
      'compose.yaml': `services:
  polite:
    image: busybox
    command: ["sh", "-c", "trap 'echo bye; exit 0' TERM; echo hello-polite; while true; do sleep 1; done"]
  stubborn:
    image: busybox
    command: ["sh", "-c", "trap '' TERM; echo hello-stubborn; while true; do sleep 1; done"]
    stop_grace_period: 20s
`,
    });
    const child: ChildProcess = spawn(process.execPath, ['--', MINIBOX_BIN, 'compose', '--project-directory', dir, '-f', path.join(dir, 'compose.yaml'), 'up'], {
      env: { ...process.env, MINIBOX_ROOT: root },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      await waitFor(() => out.includes('polite-1    | hello-polite') && out.includes('stubborn-1  | hello-stubborn'), { timeout: 30_000, what: "both services' logs" }).catch((e: unknown) => {
        throw new Error(`${String(e)}\nstdout: ${out}\nstderr: ${err}`);
      });
      expect(out).not.toContain('\u001b['); // not a terminal: no colours
      child.kill('SIGINT');
      await waitFor(() => err.includes('Gracefully stopping... (press Ctrl+C again to force)'), { what: 'the graceful stop' });
      await waitFor(async () => (await statusOf('attached-polite-1')) === 'exited', { timeout: 15_000, interval: 100, what: 'polite stopped' });
      await waitFor(() => out.includes('polite-1    | bye'), { what: "polite's goodbye in the stream" });
      // stubborn ignores SIGTERM: still running until the second Ctrl-C
      expect(await statusOf('attached-stubborn-1')).toBe('running');
      child.kill('SIGINT');
      const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000))]);
      expect(code).toBe(130);
      expect(await statusOf('attached-stubborn-1')).toBe('exited');
      expect((await mb(['inspect', '--format', '{{.State.ExitCode}}', 'attached-stubborn-1'])).stdout.trim()).toBe('137');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await mb(['kill', 'attached-stubborn-1']); // a failure must not leave afterEach's down waiting out the grace period
    }
  }, 120_000);
});

describe('compose: external networks and volumes', () => {
  it('must exist, are used, and are neither created nor removed; a network with labels and driver options is created plainly', async () => {
    const dir = project('ext', {
      'compose.yaml': `services:
  a:
    image: busybox
    command: ["sleep", "300"]
    stop_grace_period: 1s
    networks: [outside, inner]
    volumes: ["keep:/keep"]
networks:
  outside: {external: true}
  inner:
    labels: {team: x}
    driver_opts: {com.example.opt: "1"}
    ipam: {config: [{subnet: 198.18.7.0/24}]}
volumes:
  keep: {external: true}
`,
    });
    const missing = await compose(dir, ['up', '-d']);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('minibox: network outside declared as external, but could not be found');
    await nothingLeft();

    expect((await mb(['network', 'create', 'outside'])).code).toBe(0);
    try {
      const noVolume = await compose(dir, ['up', '-d']);
      expect(noVolume.code).toBe(1);
      expect(noVolume.stderr.trim()).toBe('minibox: external volume "keep" not found');
      expect((await mb(['ps', '-aq'])).stdout).toBe('');
      expect((await mb(['network', 'ls', '--format', '{{.Name}}'])).stdout).not.toContain('ext_inner');

      expect((await mb(['volume', 'create', 'keep'])).code).toBe(0);
      const up = await compose(dir, ['up', '-d']);
      expect(up.code, up.stderr).toBe(0);
      expect(up.stderr).not.toContain('Network outside  Created');
      expect(up.stderr).toContain('Network ext_inner  Created');
      expect((await mb(['network', 'inspect', 'ext_inner'])).stdout).toContain('198.18.7.0/24');
      const nets = (await mb(['inspect', '--format', '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}', 'ext-a-1'])).stdout;
      expect(nets).toContain('outside');
      expect(nets).toContain('ext_inner');
      expect((await compose(dir, ['exec', '-T', 'a', 'sh', '-c', 'echo kept > /keep/f'])).code).toBe(0);

      const down = await compose(dir, ['down', '-v']);
      expect(down.code, down.stderr).toBe(0);
      const names = (await mb(['network', 'ls', '--format', '{{.Name}}'])).stdout;
      expect(names).toContain('outside');
      expect(names).not.toContain('ext_inner');
      expect((await mb(['volume', 'ls', '-q'])).stdout.trim()).toBe('keep');
    } finally {
      await mb(['volume', 'rm', 'keep']);
      await mb(['network', 'rm', 'outside']);
    }
  }, 120_000);
});

describe('compose: bad input starts nothing and leaves nothing', () => {
  const GOOD = '  ok:\n    image: busybox\n    command: ["sleep", "300"]\n';
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['invalid YAML', { 'compose.yaml': `services:\n${GOOD}  bad:\n    image: [busybox\n` }, /^minibox: compose\.yaml:\d+: yaml: /],
    ['an unknown key', { 'compose.yaml': `services:\n${GOOD}  bad:\n    imgae: busybox\n` }, /^minibox: compose\.yaml:5: services\.bad additional properties 'imgae' not allowed$/],
    ['a wrong type', { 'compose.yaml': `services:\n${GOOD}  bad:\n    image: busybox\n    ports: "80:80"\n` }, /^minibox: compose\.yaml:7: services\.bad\.ports must be a list$/],
    ['a depends_on cycle', { 'compose.yaml': `services:\n${GOOD}  a: {image: busybox, depends_on: [b]}\n  b: {image: busybox, links: [a]}\n` }, /^minibox: dependency cycle detected: a -> b -> a$/],
    ['a missing build context', { 'compose.yaml': `services:\n${GOOD}  bad:\n    build: ./nope\n    volumes: ["data:/d"]\nvolumes:\n  data:\n` }, /^minibox: service "bad": build context \/.*\/nope not found: unable to prepare context \(fix build\.context\)$/],
    ['an undefined required variable', { 'compose.yaml': `services:\n${GOOD}  bad:\n    image: busybox\n    environment: {X: "\${NEED_ME:?set NEED_ME first}"}\n` }, /^minibox: compose\.yaml:7: error while interpolating services\.bad\.environment\.X: required variable NEED_ME is missing a value: set NEED_ME first$/],
  ];
  it.each(cases)('%s: one line on stderr, exit 1', async (_what, files, message) => {
    const dir = project('bad', files);
    const inDir = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--', MINIBOX_BIN, 'compose', 'up', '-d'], { cwd: dir, env: { ...process.env, MINIBOX_ROOT: root }, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(inDir.code).toBe(1);
    const lines = inDir.stderr.trim().split('\n');
    expect(lines, inDir.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    await nothingLeft();
  }, 60_000);
});
