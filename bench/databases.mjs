// Databases benchmark: the lecture's "dozens of MySQL databases on your laptop". N detached
// stand-in databases (images/mysql: Debian's MariaDB behind the official image's entrypoint,
// each with MYSQL_ROOT_PASSWORD, its own anonymous VOLUME and its own host port) started one
// after another as a shell loop would, by `minibox run -d` and by `podman --runtime runc
// run -d`, for N = 1, 5, 10 (--big adds 25 and 50; --quick: N = 1, 3 in one round, so
// CI proves the case runs without starting ~100 databases). Measured per engine and N:
//   - launch: until the N `run -d` commands have all returned;
//   - ready: until every database accepts a client connection — a TCP connection to its host
//     port on which the server's greeting packet (protocol 10) arrives; the server speaks
//     first, so a port forwarder that accepts but has no server behind it does not count;
//     afterwards each answers the host's `mysql … -e 'select 1'` (checked, not timed);
//   - memory: each container's cgroup (found through /proc/<pid>/cgroup of its process):
//     usage (v1 memory.usage_in_bytes / v2 memory.current, page cache included) and anon
//     (memory.stat rss / anon), per container and in total; and how far the host's
//     MemAvailable fell (what the engine's own processes, monitors or conmon, cost too).
// What the memory rows show on this host: anon (mariadbd's heap) is the same in both; the
// difference is page cache, ~32 MiB per container more under podman, because podman masks
// /sys/dev/block (Docker's and minibox's defaults do not), so MariaDB cannot read the disk's
// 4096-byte block size, logs "Buffered log writes (block size=512 bytes)" instead of "File
// system buffers for log disabled", and its redo log goes through the page cache.
// Both engines get the same limits (nofile 1024:1024 as podman needs on this host, whose
// nofile hard limit is 20000; nproc 1000:1000); minibox loads the layout into a private
// MINIBOX_ROOT, podman pulls it through its `oci:` transport. One unmeasured N=1 warm-up per
// engine, then rounds (--runs, at most 3: a round starts 16 databases per engine, 91 with
// --big) with the engine order alternating; medians; ratios minibox/podman. Every container
// and volume either engine made is removed afterwards, also when a step fails or on Ctrl-C.
//
//   node bench/databases.mjs [--runs 1] [--big | --quick]
//
// Needs: mmdebstrap (the image, once), podman and runc, mariadb-client (`mysql`). Without
// podman the minibox rows are still measured and the ratios are null.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const name = 'databases';
export const title = 'N detached MariaDB stand-ins (mysql:latest): minibox vs podman (runc), time to all ready and memory';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MB_IMAGE = 'mysql:latest'; // as the layout names it (docker.io/library/mysql:latest)
const PODMAN_IMAGE = 'localhost/minibox-bench-mysql:latest';
const NAME_PREFIX = 'minibox-bench-db-';
const PORT_BASE = { minibox: 45000, podman: 46000 };
const LIMITS = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1000:1000'];
const PODMAN_GLOBAL = ['--runtime', 'runc']; // crun refuses this host
const PASSWORD = 'bench';
const READY_TIMEOUT_MS = 300_000;
const MAX_ROUNDS = 3;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? null : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const have = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
const MiB = 1024 * 1024;

function must(cmd, args, env) {
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

/** The stand-in's OCI layout (images/mysql/build.sh builds it into its cache if missing). */
function mysqlLayout(log) {
  const t0 = Date.now();
  const r = spawnSync('bash', [path.join(repo, 'images', 'mysql', 'build.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`images/mysql/build.sh failed (${r.status}): ${r.stderr}`);
  const built = /mysql: built /.test(r.stderr);
  const seconds = (Date.now() - t0) / 1000;
  if (built) log?.(`mysql stand-in image built in ${seconds.toFixed(1)} s (cold, once per recipe)`);
  return { layout: r.stdout.trim().split('\n').pop(), built, seconds };
}

/** Fail early, naming the port, if another program holds one the bench publishes. */
async function assertPortsFree(base, n) {
  for (let i = 0; i < n; i++) {
    const port = base + i;
    await new Promise((resolve, reject) => {
      const s = net.createServer();
      s.once('error', (err) => reject(new Error(`port ${port} is in use on this host (${err.code}); the bench publishes ${base}-${base + n - 1}`)));
      s.listen(port, '0.0.0.0', () => s.close(resolve));
    });
  }
}

/** One attempt: connect, and resolve true when the first packet is a protocol-10 greeting. */
function greets(port) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    let buf = Buffer.alloc(0);
    const done = (ok) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(2000, () => done(false));
    sock.on('error', () => done(false));
    sock.on('close', () => done(false));
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      // packet: 3-byte length, sequence id, payload; a greeting's payload starts with 0x0a,
      // an error packet (too many connections, host blocked) with 0xff
      if (buf.length >= 5) done(buf[4] === 0x0a);
    });
  });
}

/** Until `port` greets; resolves to when (ms since t0), rejects after the deadline. */
async function readyAt(port, t0, deadline) {
  for (;;) {
    if (await greets(port)) return Number(process.hrtime.bigint() - t0) / 1e6;
    if (Date.now() > deadline) throw new Error(`the database on port ${port} did not greet within ${READY_TIMEOUT_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function hostSelect1(port) {
  const r = spawnSync('mysql', ['-h', '127.0.0.1', '-P', String(port), '-uroot', `-p${PASSWORD}`, '-N', '-e', 'select 1'], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0 || r.stdout.trim() !== '1') throw new Error(`mysql -P ${port} -e 'select 1' failed (${r.status}): ${r.stderr.trim()}`);
}

/** The memory cgroup directory of process `pid` (v1 memory controller, or the v2 unified tree). */
function memoryCgroupDir(pid) {
  const lines = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n');
  const v1 = lines.find((l) => /^\d+:([^:]*,)?memory(,[^:]*)?:/.test(l));
  if (v1) return { v2: false, dir: path.join('/sys/fs/cgroup/memory', v1.slice(v1.indexOf(':/', 2) + 1)) };
  const v2 = lines.find((l) => l.startsWith('0::'));
  if (!v2) throw new Error(`process ${pid} is in no memory cgroup`);
  return { v2: true, dir: path.join('/sys/fs/cgroup', v2.slice(3)) };
}

function cgroupMemory(pid) {
  const { v2, dir } = memoryCgroupDir(pid);
  const usage = Number(fs.readFileSync(path.join(dir, v2 ? 'memory.current' : 'memory.usage_in_bytes'), 'utf8'));
  const stat = fs.readFileSync(path.join(dir, 'memory.stat'), 'utf8');
  const field = (k) => Number(new RegExp(`^${k} (\\d+)$`, 'm').exec(stat)?.[1] ?? NaN);
  // usage = anon + page cache (+ kernel memory, which v1 charges to usage as well)
  const kmem = path.join(dir, 'memory.kmem.usage_in_bytes');
  const kernel = v2 ? field('kernel') : fs.existsSync(kmem) ? Number(fs.readFileSync(kmem, 'utf8')) : NaN;
  return { usage, anon: field(v2 ? 'anon' : 'rss'), file: field(v2 ? 'file' : 'cache'), kernel, cgroup: dir };
}

const memAvailable = () => Number(/^MemAvailable:\s+(\d+) kB$/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'))[1]) * 1024;

/** How each engine starts, inspects and removes its databases. */
function engines(mbEnv) {
  const mb = (args) => must(process.execPath, [path.join(repo, 'bin', 'minibox'), ...args], mbEnv);
  const podman = (args) => must('podman', [...PODMAN_GLOBAL, ...args]);
  return {
    minibox: {
      label: 'minibox run -d',
      start: (name, port) => mb(['run', '--name', name, '--detach', ...LIMITS, '--env', `MYSQL_ROOT_PASSWORD=${PASSWORD}`, '--publish', `${port}:3306`, MB_IMAGE]),
      pid: (name) => Number(mb(['inspect', '-f', '{{.State.Pid}}', name]).trim()),
      remove: (names) => names.length && mb(['rm', '-f', '-v', ...names]),
    },
    podman: {
      label: 'podman --runtime runc run -d',
      start: (name, port) => podman(['run', '--name', name, '--detach', ...LIMITS, '--env', `MYSQL_ROOT_PASSWORD=${PASSWORD}`, '--publish', `${port}:3306`, PODMAN_IMAGE]),
      pid: (name) => Number(podman(['inspect', '-f', '{{.State.Pid}}', name]).trim()),
      remove: (names) => names.length && podman(['rm', '-f', '-v', '-t', '0', ...names]),
    },
  };
}

/** Start n databases with `engine`, wait for all, measure, remove them (also on failure). */
async function measure(engine, who, n, log) {
  const names = [];
  try {
    const before = memAvailable();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      const name = `${NAME_PREFIX}${who}-${i}`;
      names.push(name); // before start: a half-made container is removed too
      engine.start(name, PORT_BASE[who] + i);
    }
    const launchMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    const each = await Promise.all(names.map((_, i) => readyAt(PORT_BASE[who] + i, t0, deadline)));
    const readyMs = Math.max(...each);
    const mem = names.map((name) => cgroupMemory(engine.pid(name)));
    const hostDrop = before - memAvailable();
    if (have('mysql')) names.forEach((_, i) => hostSelect1(PORT_BASE[who] + i));
    const usage = mem.reduce((a, m) => a + m.usage, 0);
    const sum = (k) => mem.reduce((a, m) => a + m[k], 0);
    const anon = sum('anon');
    log?.(`  ${who} N=${n}: all ready ${(readyMs / 1000).toFixed(2)} s, ${(usage / n / MiB).toFixed(1)} MiB/container`);
    return { launchMs, readyMs, usagePer: usage / n, anonPer: anon / n, filePer: sum('file') / n, kernelPer: sum('kernel') / n, usageTotal: usage, hostDrop };
  } finally {
    // `rm -f` of a name that never came to be fails; remove what exists
    try {
      engine.remove(names);
    } catch {
      for (const name of names) {
        try {
          engine.remove([name]);
        } catch {
          /* not created */
        }
      }
    }
  }
}

/** Everything the bench may have left: by name, for both engines; used on exit and Ctrl-C. */
function sweep(mbEnv, podmanOn) {
  const mb = (args) => spawnSync(process.execPath, [path.join(repo, 'bin', 'minibox'), ...args], { env: mbEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const left = (mb(['ps', '-a', '--format', '{{.Names}}']).stdout ?? '').split('\n').filter((s) => s.startsWith(NAME_PREFIX));
  if (left.length) mb(['rm', '-f', '-v', ...left]);
  if (podmanOn) {
    const p = spawnSync('podman', ['ps', '-a', '--filter', `name=^${NAME_PREFIX}`, '--format', '{{.Names}}'], { encoding: 'utf8' });
    const names = (p.stdout ?? '').split('\n').filter(Boolean);
    if (names.length) spawnSync('podman', ['rm', '-f', '-v', '-t', '0', ...names], { stdio: 'ignore' });
  }
}

/** podman's copy of the image; returns whether it was ours to remove afterwards. */
function preparePodman(layout) {
  if (spawnSync('podman', ['image', 'exists', PODMAN_IMAGE]).status === 0) return false;
  const id = execFileSync('podman', ['pull', '-q', `oci:${layout}`], { encoding: 'utf8' }).trim().split('\n').pop();
  execFileSync('podman', ['tag', id, PODMAN_IMAGE]);
  // the oci: transport names the image after the layout's path; only PODMAN_IMAGE is wanted
  spawnSync('podman', ['untag', id, `localhost${layout}:latest`], { stdio: 'ignore' });
  return true;
}

export async function run(options = {}) {
  const rounds = options.quick ? 1 : Math.min(MAX_ROUNDS, Math.max(1, Number(options.runs ?? 1)));
  const log = options.log;
  const sizes = options.big ? [1, 5, 10, 25, 50] : options.quick ? [1, 3] : [1, 5, 10];
  const image = mysqlLayout(log);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'minibox-bench-databases-'));
  const mbEnv = { ...process.env, MINIBOX_ROOT: path.join(tmp, 'root') };
  const eng = engines(mbEnv);
  let podman = false;
  let podmanProblem = 'podman not installed';
  let podmanImage = false;
  let swept = false;
  const cleanUp = () => {
    if (swept) return;
    swept = true;
    sweep(mbEnv, podman);
    if (podmanImage) spawnSync('podman', ['rmi', '-f', PODMAN_IMAGE], { stdio: 'ignore' });
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  const onSignal = (sig) => {
    cleanUp();
    process.kill(process.pid, sig);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const max = sizes.at(-1);
    await assertPortsFree(PORT_BASE.minibox, max);
    must(process.execPath, [path.join(repo, 'bin', 'minibox'), 'load', '-q', '-i', image.layout], mbEnv);
    await measure(eng.minibox, 'minibox', 1, undefined); // warm-up: page cache, first container, bridge
    if (have('podman')) {
      try {
        await assertPortsFree(PORT_BASE.podman, max);
        podmanImage = preparePodman(image.layout);
        podman = true; // from here on sweep() looks for podman containers too
        await measure(eng.podman, 'podman', 1, undefined);
      } catch (err) {
        podman = false;
        podmanProblem = `podman could not run the databases here: ${String(err.message ?? err).split('\n')[0]}`;
        log?.(podmanProblem);
        sweep(mbEnv, true);
      }
    }
    const samples = {};
    for (let round = 0; round < rounds; round++) {
      for (const [k, n] of sizes.entries()) {
        const order = (round + k) % 2 ? ['podman', 'minibox'] : ['minibox', 'podman'];
        for (const who of order) {
          if (who === 'podman' && !podman) continue;
          (samples[`${who}/${n}`] ??= []).push(await measure(eng[who], who, n, log));
        }
      }
    }
    const med = (who, n, key) => median((samples[`${who}/${n}`] ?? []).map((s) => s[key]));
    const rows = [];
    for (const n of sizes) {
      for (const who of podman ? ['minibox', 'podman'] : ['minibox']) {
        rows.push({
          label: `${eng[who].label} ×${n}`,
          tool: who,
          n,
          launch_ms: med(who, n, 'launchMs'),
          ready_ms: med(who, n, 'readyMs'),
          mem_per_container_mib: med(who, n, 'usagePer') / MiB,
          anon_per_container_mib: med(who, n, 'anonPer') / MiB,
          file_per_container_mib: med(who, n, 'filePer') / MiB,
          kernel_per_container_mib: med(who, n, 'kernelPer') / MiB,
          mem_total_mib: med(who, n, 'usageTotal') / MiB,
          host_memavailable_drop_mib: med(who, n, 'hostDrop') / MiB,
          rounds,
        });
      }
    }
    const ratio = (n, key) => (podman ? med('minibox', n, key) / med('podman', n, key) : null);
    const ratios = Object.fromEntries(
      sizes.map((n) => [n, { ready: ratio(n, 'readyMs'), mem_per_container: ratio(n, 'usagePer'), anon_per_container: ratio(n, 'anonPer'), host_memavailable_drop: ratio(n, 'hostDrop') }]),
    );
    const top = ratios[max];
    const summary = podman
      ? `minibox/podman at N=${max}: time to all ready ${top.ready.toFixed(2)}, memory per container ${top.mem_per_container.toFixed(2)} (anon ${top.anon_per_container.toFixed(2)})`
      : podmanProblem;
    return {
      name,
      title,
      config: { sizes, rounds, limits: LIMITS.filter((_, i) => i % 2).join(' '), readiness: 'server greeting on 127.0.0.1:<port>, then mysql -e "select 1"' },
      image: { layout: image.layout, built_this_run: image.built, seconds: image.seconds },
      rows,
      ratios,
      summary,
    };
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    cleanUp();
  }
}

export function format(report) {
  const head = `  ${'engine'.padEnd(34)} ${'launch'.padStart(8)} ${'all ready'.padStart(10)} ${'MiB/ctr'.padStart(8)} ${'anon'.padStart(6)} ${'file'.padStart(6)} ${'kernel'.padStart(6)} ${'total MiB'.padStart(10)}`;
  const lines = report.rows.map(
    (r) =>
      `  ${r.label.padEnd(34)} ${(r.launch_ms / 1000).toFixed(2).padStart(7)}s ${(r.ready_ms / 1000).toFixed(2).padStart(9)}s ${r.mem_per_container_mib.toFixed(1).padStart(8)} ${r.anon_per_container_mib.toFixed(1).padStart(6)} ${r.file_per_container_mib.toFixed(1).padStart(6)} ${r.kernel_per_container_mib.toFixed(1).padStart(6)} ${r.mem_total_mib.toFixed(0).padStart(10)}`,
  );
  const ratioLines = Object.entries(report.ratios)
    .filter(([, r]) => r.ready !== null)
    .map(([n, r]) => `  N=${String(n).padEnd(3)} minibox/podman: all ready ${r.ready.toFixed(2)}, memory per container ${r.mem_per_container.toFixed(2)} (anon ${r.anon_per_container.toFixed(2)})`);
  const note = [
    '  (MiB/ctr: the container cgroup\'s usage = anon + file (page cache) + kernel; the JSON also has the host\'s MemAvailable drop, too noisy to print;',
    '   podman\'s larger file column: it masks /sys/dev/block, so MariaDB buffers its redo log in the page cache)',
  ];
  const built = report.image.built_this_run ? [`  (mysql stand-in image built first: ${report.image.seconds.toFixed(1)} s, once per recipe)`] : [];
  return [report.title, head, ...lines, ...note, ...ratioLines, ...built, `  ${report.summary}`].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '1' }, big: { type: 'boolean', default: false }, quick: { type: 'boolean', default: false } } });
  const report = await run({ ...values, log: (s) => process.stderr.write(`${s}\n`) });
  console.log(format(report));
}
