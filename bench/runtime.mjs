// OCI runtime benchmark: one busybox bundle (`true`) through create + start + delete, and
// through `run`, by minibox-runtime vs runc (and crun where it runs: crun 1.8 refuses this
// hybrid-cgroup host, and the report says so with its own words). The bundle is runc's
// `runc spec` with process.terminal off, so both runtimes get the same config.json.
//
// Each cycle is driven the way containerd's shim and conmon drive a runtime: from a
// subreaper (a small Python driver, PR_SET_CHILD_SUBREAPER), which gets the init once
// `create` exits and reaps it after `start`; then `delete`. Runtimes alternate per round;
// medians with min and max; ratios minibox-runtime/runc.
//
//   node bench/runtime.mjs [--runs 15]
//
// Needs: runc (apt-get install -y runc), python3; minibox built (npm run build).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const name = 'runtime';
export const title = 'OCI runtime: create+start+delete and run of a busybox bundle, minibox-runtime vs runc';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const layout = path.join(repo, 'images', 'busybox', 'out', 'busybox-oci');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// The subreaper driver: argv = mode runtime-argv-json root bundle id; prints the ms taken.
const DRIVER = String.raw`
import ctypes, json, os, subprocess, sys, time
ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
mode, rt, root, bundle, cid = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
base = rt + ['--root', root]
import tempfile
def call(*a):
    # a file, not a pipe: the init create leaves behind holds create's stdio (runc's way)
    with tempfile.TemporaryFile() as err:
        r = subprocess.run(base + list(a), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        if r.returncode != 0:
            err.seek(0)
            sys.stderr.write('%s failed (%d): %s' % (' '.join(a[:1]), r.returncode, err.read().decode(errors='replace')))
            sys.exit(1)
t0 = time.perf_counter()
if mode == 'cycle':
    pidfile = os.path.join(root, cid + '.pid')
    call('create', '--bundle', bundle, '--pid-file', pidfile, cid)
    pid = int(open(pidfile).read())
    call('start', cid)
    os.waitpid(pid, 0)  # ours: re-parented to this subreaper when create exited
    call('delete', cid)
    os.unlink(pidfile)
else:
    call('run', '--bundle', bundle, cid)
ms = (time.perf_counter() - t0) * 1000
while True:  # anything else re-parented to us
    try:
        os.waitpid(-1, 0)
    except ChildProcessError:
        break
print('%.3f' % ms)
`;

function extractRootfs(dir) {
  const index = JSON.parse(fs.readFileSync(path.join(layout, 'index.json'), 'utf8'));
  const blob = (d) => path.join(layout, 'blobs', ...d.split(':'));
  const manifest = JSON.parse(fs.readFileSync(blob(index.manifests[0].digest), 'utf8'));
  fs.mkdirSync(dir, { recursive: true });
  for (const l of manifest.layers) execFileSync('tar', ['-xzf', blob(l.digest), '-C', dir]);
}

function makeBundle(tmp) {
  const bundle = path.join(tmp, 'bundle');
  extractRootfs(path.join(bundle, 'rootfs'));
  execFileSync('runc', ['spec', '--bundle', bundle]);
  const file = path.join(bundle, 'config.json');
  const spec = JSON.parse(fs.readFileSync(file, 'utf8'));
  spec.process.terminal = false;
  spec.process.args = ['true'];
  fs.writeFileSync(file, JSON.stringify(spec, null, 2));
  return bundle;
}

function once(mode, runtime, root, bundle, id) {
  const r = spawnSync('python3', ['-c', DRIVER, mode, JSON.stringify(runtime.argv), root, bundle, id], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${runtime.label} ${mode}: ${(r.stderr || '').trim().split('\n').pop()}`);
  return Number(r.stdout.trim());
}

const have = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;

export async function run(options = {}) {
  const runs = Math.max(1, Number(options.runs ?? 15));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'minibox-bench-runtime-'));
  const runtimes = [{ label: 'minibox-runtime', argv: [process.execPath, path.join(repo, 'bin', 'minibox-runtime')] }];
  const notes = [];
  try {
    const bundle = makeBundle(tmp);
    const root = (r) => path.join(tmp, `root-${r.label}`);
    for (const bin of ['runc', 'crun']) {
      if (!have(bin)) {
        notes.push(`${bin}: not installed`);
        continue;
      }
      const r = { label: bin, argv: [bin] };
      try {
        once('cycle', r, root(r), bundle, 'warm');
        runtimes.push(r);
      } catch (err) {
        notes.push(`${bin} cannot run here: ${String(err.message ?? err).split('\n')[0]}`);
        spawnSync(bin, ['--root', root(r), 'delete', '--force', 'warm'], { stdio: 'ignore' });
      }
    }
    once('cycle', runtimes[0], root(runtimes[0]), bundle, 'warm'); // page cache, V8 code cache
    const times = Object.fromEntries(runtimes.flatMap((r) => [[`${r.label} cycle`, []], [`${r.label} run`, []]]));
    for (let i = 0; i < runs; i++) {
      const order = i % 2 ? [...runtimes].reverse() : runtimes;
      for (const r of order) {
        times[`${r.label} cycle`].push(once('cycle', r, root(r), bundle, `c${i}`));
        times[`${r.label} run`].push(once('run', r, root(r), bundle, `r${i}`));
      }
    }
    const row = (r, mode) => {
      const xs = times[`${r.label} ${mode}`];
      const what = mode === 'cycle' ? 'create+start+delete' : 'run';
      return { label: `${r.label} ${what}`, runtime: r.label, mode, median_ms: median(xs), min_ms: Math.min(...xs), max_ms: Math.max(...xs), runs };
    };
    const rows = runtimes.flatMap((r) => [row(r, 'cycle'), row(r, 'run')]);
    const ratios = {};
    for (const r of runtimes.slice(1)) {
      for (const mode of ['cycle', 'run']) {
        const mb = rows.find((x) => x.runtime === 'minibox-runtime' && x.mode === mode);
        const other = rows.find((x) => x.runtime === r.label && x.mode === mode);
        ratios[`minibox-runtime/${r.label} ${mode}`] = mb.median_ms / other.median_ms;
      }
    }
    const summary = [
      ...Object.entries(ratios).map(([k, v]) => `${k} = ${v.toFixed(2)}`),
      ...notes,
    ].join('; ');
    return { name, title, config: { runs, bundle: 'busybox, runc spec, args ["true"]' }, rows, ratios, notes, summary };
  } finally {
    for (const r of runtimes) spawnSync('sh', ['-c', `for d in "${path.join(tmp, `root-${r.label}`)}"/*/; do [ -d "$d" ] && ${r.argv.map((a) => `'${a}'`).join(' ')} --root "${path.join(tmp, `root-${r.label}`)}" delete --force "$(basename "$d")"; done`], { stdio: 'ignore' });
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export function format(report) {
  const lines = report.rows.map((r) => `  ${r.label.padEnd(40)} ${r.median_ms.toFixed(1).padStart(8)} ms  (min ${r.min_ms.toFixed(1)}, max ${r.max_ms.toFixed(1)})`);
  return [report.title, ...lines, ...Object.entries(report.ratios).map(([k, v]) => `  ${k} = ${v.toFixed(2)}`), ...report.notes.map((n) => `  ${n}`)].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' } } });
  const report = await run(values);
  console.log(format(report));
}
