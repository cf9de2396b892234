// Compose benchmark: the lecture's project (examples/09-compose: users-service and db, both
// built FROM busybox, users-service published on a port and answering with what it fetched
// from db by name). One run is `compose up -d`, then polling the published port until
// users-service answers HTTP (the time measured), then `compose down -v` (timed too). Whether
// its answer carried db's line (the name resolved) is reported beside the times, not waited
// for: Debian's podman-compose resolves no service names (CNI without a dnsname plugin, see
// examples/09-compose), and a case that can never finish would measure nothing.
// minibox compose vs Debian's podman-compose driving `podman --runtime runc` (with the
// ulimits this host needs), runs interleaved (the order flips each round), medians with
// min/max. The images are built once before the runs (not measured).
//
//   node bench/compose.mjs [--runs 5]
//
// Needs: podman, podman-compose, skopeo, runc (apt-get install -y podman podman-compose skopeo
// runc). Without them the minibox rows are still measured and there are no ratios.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ratioCase, stat } from './report/cases.mjs';

export const name = 'compose';
export const title = 'compose up -d of the lecture project until its port answers, then down -v: minibox vs podman-compose (runc)';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const layout = path.join(repo, 'images', 'busybox', 'out', 'busybox-oci');
const projectDir = path.join(repo, 'examples', '09-compose');
const PROJECT = 'mbxbench';
const PODMAN_BUSYBOX = 'localhost/busybox:latest'; // what `FROM busybox` finds in podman's store
const ULIMITS = '--ulimit nofile=1024:1024 --ulimit nproc=1000:1000';
const SERVED = 'users-service asked'; // users-service's first line
const FROM_DB = 'from the db'; // db's line, fetched by name

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const have = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** One GET of users-service: its body when it answered 200, else undefined. */
function answer(port) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/cgi-bin/users', timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(res.statusCode === 200 && body.includes(SERVED) ? body : undefined));
    });
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
  });
}

/** Poll until users-service answers; whether db's line (fetched by name) was in it. */
async function waitAnswer(port, deadlineMs) {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    const body = await answer(port);
    if (body !== undefined) return body.includes(FROM_DB);
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`users-service on 127.0.0.1:${port} did not answer within ${deadlineMs} ms`);
}

function must(cmd, args, env) {
  const r = spawnSync(cmd, args, { cwd: projectDir, env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
}

/** The two engines as commands: each gets the compose verb's arguments. */
function engines(env) {
  const mb = {
    tool: 'minibox compose',
    compose: (args) => must(process.execPath, [path.join(repo, 'bin', 'minibox'), 'compose', '-p', PROJECT, ...args], env),
  };
  const podmanArgs = ['--podman-args', '--runtime runc', '--podman-run-args', ULIMITS, '--podman-build-args', ULIMITS, '-p', PROJECT];
  const podman = {
    tool: 'podman-compose (runc)',
    compose: (args) => must('podman-compose', [...podmanArgs, ...args], { ...process.env, PORT: env.PORT }),
  };
  return { mb, podman };
}

/** podman gets the offline busybox as localhost/busybox; false when it already had one. */
function loadPodmanBusybox(tmp) {
  if (spawnSync('podman', ['image', 'exists', PODMAN_BUSYBOX]).status === 0) return false;
  const archive = path.join(tmp, 'busybox.oci.tar');
  execFileSync('skopeo', ['copy', '-q', `oci:${layout}`, `oci-archive:${archive}:${PODMAN_BUSYBOX}`]);
  execFileSync('podman', ['load', '-q', '-i', archive], { stdio: 'ignore' });
  return true;
}

async function oneRun(engine, port) {
  const t0 = process.hrtime.bigint();
  engine.compose(['up', '-d']);
  const resolved = await waitAnswer(port, 60_000);
  const up = Number(process.hrtime.bigint() - t0) / 1e6;
  const t1 = process.hrtime.bigint();
  engine.compose(['down', '-v']);
  return { up, down: Number(process.hrtime.bigint() - t1) / 1e6, resolved };
}

export async function run(options = {}) {
  const runs = Number(options.runs ?? 5);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'minibox-bench-compose-'));
  const port = await freePort();
  const env = { ...process.env, MINIBOX_ROOT: path.join(tmp, 'root'), PORT: String(port) };
  const { mb, podman } = engines(env);
  let podmanOk = false;
  let podmanProblem = 'podman, podman-compose or skopeo not installed';
  let podmanBusybox = false;
  try {
    execFileSync(process.execPath, [path.join(repo, 'bin', 'minibox'), 'load', '-q', '-i', layout], { env, stdio: 'ignore' });
    mb.compose(['build']);
    await oneRun(mb, port); // warm-up: page cache, the first bridge and its rules
    // podman-compose is the reference, not the subject: if it cannot run here, minibox's
    // rows still count and the report says why there is no ratio
    if (have('podman') && have('podman-compose') && have('skopeo')) {
      try {
        podmanBusybox = loadPodmanBusybox(tmp);
        podman.compose(['build']);
        await oneRun(podman, port);
        podmanOk = true;
      } catch (err) {
        podmanProblem = `podman-compose could not run here: ${String(err.message ?? err).split('\n')[0]}`;
        options.log?.(podmanProblem);
        spawnSync('podman-compose', ['-p', PROJECT, 'down', '-v'], { cwd: projectDir, stdio: 'ignore' });
      }
    }
    const times = { mb: [], podman: [] };
    for (let i = 0; i < runs; i++) {
      const order = i % 2 ? ['podman', 'mb'] : ['mb', 'podman'];
      for (const who of order) {
        if (who === 'mb') times.mb.push(await oneRun(mb, port));
        else if (podmanOk) times.podman.push(await oneRun(podman, port));
      }
    }
    const row = (label, tool, xs) => ({ label, tool, median_ms: median(xs), min_ms: Math.min(...xs), max_ms: Math.max(...xs), runs: xs.length });
    // how many runs found db by name (users-service's answer carried db's line)
    const resolvedIn = (ts) => `${ts.filter((t) => t.resolved).length}/${ts.length}`;
    const rows = [
      { ...row('minibox compose up -d, until the port answers', mb.tool, times.mb.map((t) => t.up)), db_by_name: resolvedIn(times.mb) },
      row('minibox compose down -v', mb.tool, times.mb.map((t) => t.down)),
    ];
    if (podmanOk) {
      rows.push({ ...row('podman-compose up -d, until the port answers', podman.tool, times.podman.map((t) => t.up)), db_by_name: resolvedIn(times.podman) });
      rows.push(row('podman-compose down -v', podman.tool, times.podman.map((t) => t.down)));
    }
    const s = (r) => stat(r.tool, r.median_ms, r.min_ms, r.max_ms);
    const cases = podmanOk
      ? [
          ratioCase('compose-up-vs-podman-compose', 'compose', 'compose up -d of the lecture project, until its port answers', s(rows[0]), s(rows[2])),
          ratioCase('compose-down-vs-podman-compose', 'compose', 'compose down -v of the lecture project', s(rows[1]), s(rows[3])),
        ]
      : [];
    const ratio = podmanOk ? rows[0].median_ms / rows[2].median_ms : null;
    return {
      name,
      title,
      config: { runs, port },
      rows,
      cases,
      ratio,
      summary: ratio === null ? podmanProblem : `up: minibox/podman-compose = ${ratio.toFixed(2)}; down: ${(rows[1].median_ms / rows[3].median_ms).toFixed(2)}`,
    };
  } finally {
    spawnSync(process.execPath, [path.join(repo, 'bin', 'minibox'), 'compose', '-p', PROJECT, 'down', '-v'], { cwd: projectDir, env, stdio: 'ignore' });
    if (have('podman')) {
      if (podmanOk || have('podman-compose')) spawnSync('podman-compose', ['-p', PROJECT, 'down', '-v'], { cwd: projectDir, env: { ...process.env, PORT: String(port) }, stdio: 'ignore' });
      spawnSync('podman', ['network', 'rm', `${PROJECT}_default`], { stdio: 'ignore' }); // podman-compose 1.0 leaves it
      spawnSync('podman', ['rmi', '-f', `${PROJECT}_users-service`, `${PROJECT}_db`, `${PROJECT}-users-service`, `${PROJECT}-db`], { stdio: 'ignore' });
      if (podmanBusybox) spawnSync('podman', ['rmi', '-f', PODMAN_BUSYBOX], { stdio: 'ignore' });
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export function format(report) {
  const lines = report.rows.map(
    (r) => `  ${r.label.padEnd(48)} ${r.median_ms.toFixed(1).padStart(8)} ms  (min ${r.min_ms.toFixed(1)}, max ${r.max_ms.toFixed(1)}, ${r.runs} runs)${r.db_by_name ? `  db by name: ${r.db_by_name}` : ''}`,
  );
  return [report.title, ...lines, `  ${report.summary}`].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
  const report = await run(values);
  console.log(format(report));
}
