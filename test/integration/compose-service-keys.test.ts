import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MINIBOX_BIN, makeStateRoot, minibox } from '../helpers/minibox.js';
import { ensureBusyboxLayout } from '../helpers/busybox.js';
import { leakcheck } from '../helpers/leakcheck.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Issue #15's service keys as a running container shows them (the unit tests check the
 * mapping; this checks the kernel and the engine got it): container_name, hostname, user,
 * working_dir, env_file with environment, labels, read_only with a tmpfs, a bind mount
 * relative to the file's folder, init, restart, stop_signal; and the up/logs/start flags
 * the other files leave out: `up --no-deps`, `up --build` (a rebuilt image recreates the
 * service, the other keeps its id), `logs -f` (new lines as they come, ending when the
 * container stops), `start`, `down --rmi local`; and a build section's context, dockerfile,
 * args and target reaching minibox build while the service's environment stays out of it;
 * `-t/--timeout` of stop, restart, up and down.
 */
let root = '';
let cleanup = () => {};
let dir = '';

const COMPOSE = `name: keys
services:
  dep:
    image: busybox
    command: ["sleep", "300"]
    stop_grace_period: 1s
  svc:
    build: ./img
    depends_on: [dep]
    container_name: keys-fixed
    hostname: svchost
    user: "1000"
    working_dir: /work
    env_file: ./svc.env
    environment: {FROM_ENV: env, OVER: env}
    labels: {team: blue}
    read_only: true
    tmpfs: [/scratch]
    volumes: ["./data:/data:ro"]
    init: true
    restart: unless-stopped
    stop_signal: SIGUSR1
    stop_grace_period: 10s
    command:
      - sh
      - -c
      - "trap 'echo got-usr1; exit 0' USR1; echo started; while :; do if [ -f /scratch/ping ]; then rm /scratch/ping; echo pong; fi; sleep 0.2; done"
`;

const compose = (args: string[], timeoutMs = 120_000) => minibox(['compose', '-f', path.join(dir, 'compose.yaml'), ...args], { root, timeoutMs });
const mb = (args: string[]) => minibox(args, { root });
const inspect = async (ref: string, format: string): Promise<string> => (await mb(['inspect', '--format', format, ref])).stdout.trim();

function writeImage(version: string): void {
  writeFileSync(path.join(dir, 'img', 'Dockerfile'), `FROM busybox\nRUN mkdir /work && echo ${version} > /version\n`);
}

beforeAll(async () => {
  ({ root, cleanup } = makeStateRoot());
  dir = mkdtempSync(path.join(os.tmpdir(), 'compose-keys-'));
  mkdirSync(path.join(dir, 'img'));
  mkdirSync(path.join(dir, 'data'));
  writeFileSync(path.join(dir, 'compose.yaml'), COMPOSE);
  writeFileSync(path.join(dir, 'svc.env'), 'FROM_FILE=file\nOVER=file\n');
  writeFileSync(path.join(dir, 'data', 'hello'), 'hello-from-bind\n');
  writeImage('v1');
  expect((await mb(['load', '-q', '-i', await ensureBusyboxLayout()])).code).toBe(0);
}, 120_000);

afterEach(async () => {
  await compose(['down', '-v', '--remove-orphans', '--rmi', 'local']);
});

afterAll(() => {
  cleanup();
  rmSync(dir, { recursive: true, force: true });
  expect(leakcheck()).toEqual([]);
});

describe('compose: service keys in the running container', () => {
  it('up --no-deps starts the service alone, with every key applied', async () => {
    const up = await compose(['up', '-d', '--no-deps', 'svc'], 300_000);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toContain('Container keys-fixed  Started');
    // --no-deps: its dependency was not made
    expect((await mb(['ps', '-a', '--format', '{{.Names}}'])).stdout.trim()).toBe('keys-fixed');

    const seen = await compose(['exec', '-T', 'svc', 'sh', '-c', [
      'hostname',
      'id -u',
      'pwd',
      'echo $FROM_FILE $FROM_ENV $OVER',
      'cat /data/hello',
      'cat /version',
      'touch /rootfs-write 2>/dev/null && echo root-rw || echo root-ro',
      'touch /scratch/t && echo tmpfs-rw',
      'touch /data/t 2>/dev/null && echo bind-rw || echo bind-ro',
      'cat /proc/1/comm',
    ].join('; ')]);
    expect(seen.code, seen.stderr).toBe(0);
    const lines = seen.stdout.trim().split('\n');
    expect(lines.slice(0, 9)).toEqual(['svchost', '1000', '/work', 'file env env', 'hello-from-bind', 'v1', 'root-ro', 'tmpfs-rw', 'bind-ro']);
    // init: PID 1 is minibox's init, the command its child
    expect(lines[9]).not.toBe('sh');

    // the service's labels and Compose's own, by their literal names (down and the next up find it by them)
    const labels = JSON.parse(await inspect('keys-fixed', '{{json .Config.Labels}}')) as Record<string, string>;
    expect(labels).toMatchObject({
      team: 'blue',
      'com.docker.compose.project': 'keys',
      'com.docker.compose.service': 'svc',
      'com.docker.compose.container-number': '1',
      'com.docker.compose.oneoff': 'False',
      'com.docker.compose.project.working_dir': dir,
      'com.docker.compose.project.config_files': path.join(dir, 'compose.yaml'),
    });
    expect(labels['com.docker.compose.config-hash']).toMatch(/^[0-9a-f]{64}$/);
    expect(await inspect('keys-fixed', '{{.HostConfig.ReadonlyRootfs}} {{.HostConfig.Init}} {{.Config.StopSignal}}')).toBe('true true SIGUSR1');

    // restart: unless-stopped: killed from outside (not stopped by a command), it is started again
    const pid = Number(await inspect('keys-fixed', '{{.State.Pid}}'));
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');
    await waitFor(async () => {
      const now = Number(await inspect('keys-fixed', '{{.State.Pid}}'));
      return now > 0 && now !== pid;
    }, { timeout: 30_000, what: 'the monitor to start keys-fixed again' });
    expect(await inspect('keys-fixed', '{{.State.Status}}')).toBe('running');

    // exec gives the command a TTY when there is a terminal (script(1) makes one), as Compose does; -T none
    const onTty = await new Promise<string>((resolve, reject) => {
      const cmd = [process.execPath, '--', MINIBOX_BIN, 'compose', '-f', path.join(dir, 'compose.yaml'), 'exec', 'svc', 'tty'].map((w) => `'${w}'`).join(' ');
      const child = spawn('script', ['-qec', cmd, '/dev/null'], { env: { ...process.env, MINIBOX_ROOT: root }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.on('error', reject);
      child.on('close', () => resolve(out));
    });
    // (the terminal echoes script's closed input as ^@, before or after the line)
    expect(onTty).toMatch(/\/dev\/pts\/\d+\r?\n/);
    expect(onTty).not.toContain('not a tty');
    expect((await compose(['exec', '-T', 'svc', 'tty'])).stdout.trim()).toBe('not a tty');

    // up of the project now: dep is made, svc (unchanged) keeps its container
    const id = await inspect('keys-fixed', '{{.Id}}');
    const all = await compose(['up', '-d']);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stderr).toContain('Container keys-dep-1  Started');
    expect(all.stderr).toContain('Container keys-fixed  Running');
    expect(await inspect('keys-fixed', '{{.Id}}')).toBe(id);
  }, 300_000);

  it('logs -f follows new lines and ends when the container stops; stop sends stop_signal through init; start starts it again', async () => {
    expect((await compose(['up', '-d'], 300_000)).code).toBe(0);
    const child = spawn(process.execPath, ['--', MINIBOX_BIN, 'compose', '-f', path.join(dir, 'compose.yaml'), 'logs', '-f', 'svc'], {
      env: { ...process.env, MINIBOX_ROOT: root },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const ended = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      // a container_name is the prefix, whole (Compose strips `<project>-` only from its own names)
      await waitFor(() => out.includes('keys-fixed  | started'), { timeout: 15_000, what: 'the first line' });
      expect((await compose(['exec', '-T', 'svc', 'touch', '/scratch/ping'])).code).toBe(0);
      await waitFor(() => out.includes('keys-fixed  | pong'), { timeout: 15_000, what: 'a line written after logs -f began' });

      const t0 = Date.now();
      const stop = await compose(['stop', 'svc']);
      expect(stop.code, stop.stderr).toBe(0);
      // SIGUSR1 reached sh's trap through init: exit 0 at once, not SIGTERM's 143 or the kill after 10 s
      expect(Date.now() - t0).toBeLessThan(8000);
      expect(await inspect('keys-fixed', '{{.State.Status}} {{.State.ExitCode}}')).toBe('exited 0');
      const code = await Promise.race([ended, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 15_000))]);
      expect(code).toBe(0);
      expect(out).toContain('keys-fixed  | got-usr1');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }

    // restart: unless-stopped leaves a stopped service stopped; start brings it back
    expect(await inspect('keys-fixed', '{{.State.Status}}')).toBe('exited');
    const start = await compose(['start', 'svc']);
    expect(start.code, start.stderr).toBe(0);
    expect(start.stderr).toContain('Container keys-fixed  Started');
    expect(await inspect('keys-fixed', '{{.State.Status}}')).toBe('running');
  }, 300_000);

  it('up --build rebuilds: the changed image recreates its service, the other keeps its id, an unchanged rebuild recreates nothing; down --rmi local removes the built image', async () => {
    writeImage('v1');
    expect((await compose(['up', '-d'], 300_000)).code).toBe(0);
    const before = { svc: await inspect('keys-fixed', '{{.Id}}'), dep: await inspect('keys-dep-1', '{{.Id}}') };

    writeImage('v2');
    // without --build the image there is used: nothing changes
    const plain = await compose(['up', '-d']);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).not.toContain('Building');
    expect(await inspect('keys-fixed', '{{.Id}}')).toBe(before.svc);

    const rebuilt = await compose(['up', '-d', '--build'], 300_000);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(rebuilt.stderr).toContain('Building svc');
    expect(rebuilt.stderr).toContain('Container keys-fixed  Recreated');
    expect(await inspect('keys-fixed', '{{.Id}}')).not.toBe(before.svc);
    expect(await inspect('keys-dep-1', '{{.Id}}')).toBe(before.dep);
    expect((await compose(['exec', '-T', 'svc', 'cat', '/version'])).stdout.trim()).toBe('v2');
    // --build again with nothing changed: the cached build gives the same image, nothing is recreated
    const after = await inspect('keys-fixed', '{{.Id}}');
    const same = await compose(['up', '-d', '--build'], 300_000);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stderr).toContain('Container keys-fixed  Running');
    expect(await inspect('keys-fixed', '{{.Id}}')).toBe(after);

    const down = await compose(['down', '--rmi', 'local']);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stderr).toContain('Image keys-svc  Removed');
    expect((await mb(['image', 'inspect', 'keys-svc'])).code).not.toBe(0);
    expect((await mb(['image', 'inspect', 'busybox'])).code).toBe(0);
    expect((await mb(['ps', '-aq'])).stdout).toBe('');
  }, 300_000);

  it('build: context, dockerfile, args and target go to minibox build; the service environment does not', async () => {
    const sub = path.join(dir, 'buildopts');
    mkdirSync(path.join(sub, 'ctx'), { recursive: true });
    writeFileSync(path.join(sub, 'compose.yaml'), `services:
  built:
    build:
      context: ./ctx
      dockerfile: Containerfile.custom
      args: {GREETING: from-args}
      target: picked
    environment: {SECRET: leaked, GREETING: from-env}
    command: ["cat", "/built", "/stage"]
`);
    writeFileSync(
      path.join(sub, 'ctx', 'Containerfile.custom'),
      'FROM busybox AS picked\nARG GREETING=unset\nARG SECRET\nRUN echo "greeting=$GREETING secret=${SECRET:-none}" > /built && echo picked > /stage\nFROM busybox AS last\nRUN echo last > /stage\n',
    );
    const sc = (args: string[]) => minibox(['compose', '-f', path.join(sub, 'compose.yaml'), ...args], { root, timeoutMs: 300_000 });
    try {
      const built = await sc(['build']);
      expect(built.code, built.stderr).toBe(0);
      const r = await sc(['run', '--rm', '-T', 'built']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('greeting=from-args secret=none\npicked\n');
    } finally {
      await sc(['down', '--rmi', 'local']);
    }
  }, 300_000);

  it('-t/--timeout: stop, restart, up (recreating) and down wait that long before SIGKILL instead of 10 s', async () => {
    const sub = path.join(dir, 'timeout');
    mkdirSync(sub, { recursive: true });
    writeFileSync(path.join(sub, 'compose.yaml'), 'services:\n  deaf:\n    image: busybox\n    command: ["sleep", "300"]\n    environment: {V: "${V:-1}"}\n');
    const tc = (args: string[], env: Record<string, string> = {}) => minibox(['compose', '-f', path.join(sub, 'compose.yaml'), ...args], { root, env, timeoutMs: 60_000 });
    const took = async (args: string[], env: Record<string, string> = {}): Promise<number> => {
      const t0 = Date.now();
      const r = await tc(args, env);
      expect(r.code, r.stderr).toBe(0);
      return Date.now() - t0;
    };
    try {
      expect((await tc(['up', '-d'])).code).toBe(0);
      // sleep as PID 1 ignores SIGTERM: without -t each of these would wait the default 10 s
      expect(await took(['stop', '-t', '1'])).toBeLessThan(6000);
      expect(await inspect('timeout-deaf-1', '{{.State.ExitCode}}')).toBe('137');
      expect((await tc(['start'])).code).toBe(0);
      expect(await took(['restart', '-t', '1'])).toBeLessThan(8000);
      expect(await inspect('timeout-deaf-1', '{{.State.Status}}')).toBe('running');
      const id = await inspect('timeout-deaf-1', '{{.Id}}');
      expect(await took(['up', '-d', '-t', '1'], { V: '2' })).toBeLessThan(8000); // a changed environment: recreated
      expect(await inspect('timeout-deaf-1', '{{.Id}}')).not.toBe(id);
      expect(await took(['down', '-t', '1'], { V: '2' })).toBeLessThan(6000);
      expect((await mb(['ps', '-aq'])).stdout).toBe('');
      const bad = await tc(['stop', '-t', 'soon']);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain("option '-t, --timeout <seconds>' argument 'soon' is invalid");
    } finally {
      await tc(['down', '-t', '0']);
    }
  }, 120_000);
});
