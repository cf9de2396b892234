// Run a shell command inside a throwaway qemu guest with a pure cgroup v2 hierarchy.
//
//   import { runInVm } from '../vm/run-in-vm.mjs';
//   const { code, output } = await runInVm('cat /sys/fs/cgroup/cgroup.controllers');
//
// The guest sees the host's root filesystem read-only (9p), so its paths are the host's;
// /tmp, /run, /var/tmp and /dev/shm are tmpfs in the guest, cgroup2 is at /sys/fs/cgroup.
// Each call is one boot (~10 s under TCG): batch commands. Plain ESM so that it loads in
// node directly (see vitest-in-vm.sh) as well as from vitest.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(HERE, '..', '..');
export const VM_CACHE = process.env.MINIBOX_VM_CACHE || '/var/cache/minibox-vm';

const BASE_ENV = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/run/bin', // /run/bin: the guest's busybox
  HOME: '/root',
  TERM: 'dumb',
  LANG: 'C.UTF-8',
};
const KERNEL_CMDLINE = [
  'console=ttyS0',
  'panic=-1', // a dead init reboots at once, and -no-reboot turns that into qemu exiting
  'quiet',
  'loglevel=3',
  'systemd.unified_cgroup_hierarchy=1',
  'cgroup_no_v1=all',
].join(' ');
const CONSOLE_KEEP = 64 * 1024;

/** Single-quote for sh. */
function shq(s) {
  return `'${String(s).replace(/'/g, `'\\''`)}'`;
}

function execOut(cmd, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} failed (${code}):\n${err}`)),
    );
  });
}

let prepared;
/**
 * Make sure the kernel and initramfs are in the cache (test/vm/prepare.sh, idempotent) and
 * return the manifest: { kernelVersion, kernel, initrd, ... }. Runs once per process.
 */
export function prepareVm() {
  prepared ??= execOut('bash', [path.join(HERE, 'prepare.sh')]).then((out) => {
    const manifest = out.trim().split('\n').pop();
    return JSON.parse(readFileSync(manifest, 'utf8'));
  });
  prepared.catch(() => (prepared = undefined));
  return prepared;
}

// One guest at a time from this process; the flock in launch() extends that to the host.
let queue = Promise.resolve();

/**
 * Boot a guest, run `command` with `sh -c` in it (cwd: the repo, env: a minimal PATH/HOME
 * plus opts.env), power off. Resolves with the exit code and the combined stdout+stderr;
 * rejects if the guest did not report (boot failure, timeout), with the console's tail.
 *
 * opts: timeoutMs (default 600 000, covers boot), env, cwd (default the repo), memoryMb
 * (default $MINIBOX_VM_MEMORY_MB or 1024), cpus (default $MINIBOX_VM_CPUS or 2),
 * onConsole(chunk) to see the serial console live, stream (also copy the command's output
 * to the console as it runs), exclusive (default true: wait for the host-wide boot lock;
 * false: boot beside other guests), nice (run qemu at this niceness), signal (an AbortSignal:
 * aborting kills the guest and the call rejects).
 */
export function runInVm(command, opts = {}) {
  const run = queue.then(() => boot(command, opts));
  queue = run.catch(() => {});
  return run;
}

/** Temp dirs of runs whose process was SIGKILLed (no finally ran): their owner is gone. */
function sweepStale() {
  for (const name of readdirSync(os.tmpdir())) {
    if (!name.startsWith('vmlane-')) continue;
    const dir = path.join(os.tmpdir(), name);
    try {
      const owner = readFileSync(path.join(dir, 'owner'), 'utf8').trim();
      if (/^\d+$/.test(owner) && !existsSync(`/proc/${owner}`)) rmSync(dir, { recursive: true, force: true });
    } catch {
      // not ours, or being created right now
    }
  }
}

async function boot(command, opts) {
  const manifest = await prepareVm();
  const timeoutMs = opts.timeoutMs ?? 600_000;
  sweepStale();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'vmlane-'));
  try {
    writeFileSync(path.join(tmp, 'owner'), String(process.pid));
    const share = path.join(tmp, 'share');
    mkdirSync(share);
    const env = { ...BASE_ENV, ...(opts.env ?? {}) };
    const lines = ['# written by run-in-vm.mjs, run by the guest init chrooted into the host root'];
    for (const [k, v] of Object.entries(env)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`runInVm: bad environment name ${JSON.stringify(k)}`);
      lines.push(`export ${k}=${shq(v)}`);
    }
    const cwd = opts.cwd ?? REPO;
    // a checkout under /tmp or /var/tmp is hidden by the guest's tmpfs there: bind it back
    // from the host's view that init.sh keeps under /run/host
    lines.push(
      `case ${shq(cwd)} in /tmp/*|/var/tmp/*) mkdir -p ${shq(cwd)} && /run/bin/busybox mount --bind /run/host${shq(cwd)} ${shq(cwd)} || exit 127 ;; esac`,
    );
    lines.push(`cd ${shq(cwd)} || exit 127`, `exec sh -c ${shq(command)}`, '');
    writeFileSync(path.join(share, 'job.sh'), lines.join('\n'));
    if (opts.stream) writeFileSync(path.join(share, 'stream'), '');

    const qemu = [
      'qemu-system-x86_64',
      '-accel', 'tcg',
      '-cpu', 'max',
      '-m', String(opts.memoryMb ?? (Number(process.env.MINIBOX_VM_MEMORY_MB) || 1024)),
      '-smp', String(opts.cpus ?? (Number(process.env.MINIBOX_VM_CPUS) || 2)),
      '-no-reboot',
      '-nodefaults',
      '-no-user-config',
      '-display', 'none',
      '-monitor', 'none',
      '-serial', 'stdio',
      '-kernel', manifest.kernel,
      '-initrd', manifest.initrd,
      '-append', KERNEL_CMDLINE,
      '-virtfs', 'local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap',
      '-virtfs', `local,path=${share},mount_tag=vmlane,security_model=none`,
    ];
    const niced = opts.nice ? ['nice', '-n', String(opts.nice), ...qemu] : qemu;
    const { status, console: consoleLog, timedOut, aborted } = await launch(niced, timeoutMs, opts);

    const codeFile = path.join(share, 'code');
    const output = existsSync(path.join(share, 'output')) ? readFileSync(path.join(share, 'output'), 'utf8') : '';
    const tail = consoleLog.slice(-4000);
    if (aborted) throw new Error('runInVm: aborted');
    if (timedOut) {
      throw new Error(`runInVm: timed out after ${timeoutMs} ms\n--- output so far ---\n${output.slice(-8000)}\n--- console ---\n${tail}`);
    }
    if (!existsSync(codeFile)) {
      throw new Error(`runInVm: the guest did not report (qemu exit ${status})\n--- console ---\n${tail}`);
    }
    return { code: Number(readFileSync(codeFile, 'utf8').trim()), output };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Start qemu so it cannot outlive us: setpriv --pdeathsig KILL on each process in the chain
 * (the flock that serialises guests host-wide unless opts.exclusive is false, then qemu),
 * its own process group, killed as a group on timeout, on opts.signal or when this process
 * exits.
 */
function launch(qemuArgv, timeoutMs, { onConsole, exclusive = true, signal } = {}) {
  const lock = path.join(VM_CACHE, '.boot.lock');
  const argv = [
    '--pdeathsig', 'KILL', '--',
    ...(exclusive ? ['flock', lock, 'setpriv', '--pdeathsig', 'KILL', '--'] : []),
    ...qemuArgv,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('setpriv', argv, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const killGroup = () => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    process.on('exit', killGroup);
    let consoleLog = '';
    const collect = (s) => {
      consoleLog = (consoleLog + s).slice(-CONSOLE_KEEP);
      onConsole?.(s);
    };
    child.stdout.setEncoding('utf8'); // whole characters, never a split UTF-8 sequence
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    let aborted = false;
    const onAbort = () => {
      aborted = true;
      killGroup();
    };
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const settle = () => {
      clearTimeout(timer);
      process.off('exit', killGroup);
      signal?.removeEventListener('abort', onAbort);
    };
    child.on('error', (err) => {
      settle();
      reject(err);
    });
    child.on('close', (code, sig) => {
      settle();
      killGroup(); // nothing of the group may stay behind
      resolve({ status: code ?? sig, console: consoleLog, timedOut, aborted });
    });
  });
}

// CLI: node test/vm/run-in-vm.mjs '<command>' → runs it in a guest, streams its output, exits with its code.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const command = process.argv.slice(2).join(' ');
  if (!command) {
    process.stderr.write('usage: node test/vm/run-in-vm.mjs <command...>\n');
    process.exit(2);
  }
  const started = Date.now();
  // the serial console, with the command's output copied onto it as it runs
  const onConsole = (s) => process.stdout.write(s);
  runInVm(command, { stream: true, onConsole, timeoutMs: Number(process.env.MINIBOX_VM_TIMEOUT_MS) || undefined })
    .then(({ code }) => {
      process.stderr.write(`\nrun-in-vm: exit ${code} after ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      process.exit(code);
    })
    .catch((err) => {
      process.stderr.write(`${err.message}\n`);
      process.exit(125);
    });
}
