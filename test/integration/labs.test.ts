import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBusyboxLayout } from '../helpers/busybox.js';
import { removeAll } from '../helpers/detached.js';
import { leakcheck } from '../helpers/leakcheck.js';
import { MINIBOX_BIN, makeStateRoot, minibox } from '../helpers/minibox.js';
import { ensureRecipeLayout } from '../helpers/debian-apache.js';
import { MYSQL_BUILD_TIMEOUT_MS, loadMysqlImage } from '../helpers/mysql-image.js';
import { startRegistry, type LabRegistry } from '../helpers/registry-lab/index.js';
import { waitFor } from '../helpers/wait.js';
import {
  EXAMPLES, RUN_LAB, listLabs, misses, podmanPath, podmanState, readResults, runLabScript, runMiniboxLab,
  type Lab, type LabRun, type StepResult, type Where,
} from '../helpers/labs.js';

/**
 * Every lab of examples/ run the way a student runs it, non-interactively: with minibox, and
 * side by side with podman where podman is installed (CI must have it). Each lab must exit 0,
 * and each step's output (written by the runner into LAB_RESULTS) must meet the step's
 * `expect:` lines, checked here against the steps file. A step marked `bug[minibox]:` shows
 * as a test that is expected to fail until the bug is fixed. The registry of the build-and-push
 * lab is the registry lab's docker-registry; the mysql lab's mysql:latest is the offline
 * stand-in of images/mysql, loaded into both engines. Afterwards neither engine holds anything
 * the labs made, and the leak check is clean.
 */
const LABS = listLabs();
const PODMAN = podmanPath();
const COMPARE = PODMAN ? ['--compare', 'podman'] : [];
const ENGINES_RUN: Where[] = PODMAN ? ['minibox', 'podman'] : ['minibox'];
const PARALLEL = 2; // labs at a time: their names and ports are their own
const PORT_BASE = 28080; // lab i publishes on PORT_BASE + 4i and the 3 ports after it

let root = '';
let cleanupRoot = () => {};
let registry: LabRegistry | undefined;
let resultsDir = '';
let podmanBefore: ReturnType<typeof podmanState> | undefined;
const podmanLoaded: string[] = []; // images this test gave podman, removed at the end
const runs = new Map<string, LabRun>();
const results = new Map<string, StepResult[]>();
let totalMs = 0;

const env = (): Record<string, string> => ({
  MINIBOX: MINIBOX_BIN,
  MINIBOX_ROOT: root,
  ...(registry ? { LAB_REGISTRY: registry.host } : {}),
});

/** podman's copy of an image, made once here (so that the labs do not each load and remove it). */
function ensurePodmanImage(name: string, layout: string): void {
  if (spawnSync('podman', ['image', 'exists', name]).status === 0) return;
  // podman's oci: transport names the image after the path, which must then be lowercase:
  // a checkout under a mktemp parent (CI's /tmp/ci-Whh77W/…) is not, so pull via a symlink
  const alias = `/tmp/mbx-podman-${process.pid}`;
  rmSync(alias, { force: true });
  symlinkSync(layout, alias);
  const pulled = spawnSync('podman', ['pull', '-q', `oci:${alias}`], { encoding: 'utf8' });
  rmSync(alias, { force: true });
  if (pulled.status !== 0) throw new Error(`podman pull oci:${layout} failed: ${pulled.stderr}`);
  const id = pulled.stdout.trim().split('\n').pop()!;
  spawnSync('podman', ['untag', id]);
  expect(spawnSync('podman', ['tag', id, name]).status).toBe(0);
  podmanLoaded.push(name);
}

async function runAll(): Promise<void> {
  const queue = LABS.map((lab, i) => ({ lab, i }));
  const worker = async (): Promise<void> => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      const dir = path.join(resultsDir, job.lab.dir);
      const run = await runMiniboxLab([job.lab.dir, '--non-interactive', ...COMPARE], {
        ...env(),
        LAB_RESULTS: dir,
        LAB_PORT: String(PORT_BASE + 4 * job.i),
      });
      runs.set(job.lab.dir, run);
      results.set(job.lab.dir, readResults(dir));
    }
  };
  const start = Date.now();
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  totalMs = Date.now() - start;
}

beforeAll(async () => {
  ({ root, cleanup: cleanupRoot } = makeStateRoot());
  resultsDir = mkdtempSync(path.join(os.tmpdir(), 'labs-test-results-'));
  const layout = await ensureBusyboxLayout();
  expect((await minibox(['load', '-q', '-i', layout], { root })).code).toBe(0);
  const mysql = LABS.some((l) => l.dir.endsWith('-mysql')) ? await ensureRecipeLayout('mysql', MYSQL_BUILD_TIMEOUT_MS) : undefined;
  if (mysql) await loadMysqlImage(root);
  registry = await startRegistry();
  if (PODMAN) {
    podmanBefore = podmanState();
    ensurePodmanImage('localhost/busybox:latest', layout);
    if (mysql) ensurePodmanImage('docker.io/library/mysql:latest', mysql);
  }
  await runAll();
}, MYSQL_BUILD_TIMEOUT_MS + 300_000);

afterAll(async () => {
  await registry?.stop();
  await removeAll(root);
  if (podmanLoaded.length > 0) spawnSync('podman', ['rmi', ...podmanLoaded]);
  cleanupRoot();
  rmSync(resultsDir, { recursive: true, force: true });
  console.log(`labs: ${LABS.length} labs in ${(totalMs / 1000).toFixed(1)} s (${PARALLEL} at a time, ${ENGINES_RUN.join(' beside ')})`);
  expect(leakcheck()).toEqual([]);
});

it('runs beside podman (CI has it)', (ctx) => {
  if (PODMAN) return;
  if (process.env['CI']) {
    throw new Error('podman is not installed, so the labs ran with minibox alone: CI must run them beside podman (MINIBOX_SETUP_BENCH=1 ./scripts/setup.sh installs it)');
  }
  ctx.skip('podman is not installed here (MINIBOX_SETUP_BENCH=1 ./scripts/setup.sh installs it); the labs ran with minibox alone');
});

describe.each(LABS.map((lab) => [lab.dir, lab] as const))('lab %s', (dir, lab: Lab) => {
  it('exits 0', () => {
    const run = runs.get(dir)!;
    expect(run.stderr).toBe('');
    expect(run.code, run.stdout.slice(-3000)).toBe(0);
  });

  const planned = lab.steps.flatMap((step) => (step.perEngine ? ENGINES_RUN : (['host'] as Where[])).map((where) => ({ step, where })));

  it('has a result for every step with every engine', () => {
    const got = (results.get(dir) ?? []).map((r) => `${r.n} ${r.where}`);
    expect(got).toEqual(planned.map(({ step, where }) => `${step.n} ${where}`));
  });

  if (PODMAN) {
    it("shows podman's output beside minibox's, or after it, for every step podman runs", () => {
      // the headers of the side-by-side view and of the one-after-the-other one (text-layout.ts)
      const heads = runs.get(dir)!.stdout.match(/^(== minibox \(exit \d+\) +== podman \(exit \d+\)|-- podman \(exit \d+\) -+)$/gm) ?? [];
      expect(heads).toHaveLength(lab.steps.filter((s) => s.perEngine && !s.skip.podman).length);
    });
  }

  for (const { step, where } of planned) {
    const engine = where === 'host' ? undefined : where;
    const skip = engine ? step.skip[engine] : undefined;
    const bug = engine ? step.bug[engine] : undefined;
    const name = `step ${step.n} (${step.title}) with ${where}`;
    const result = () => results.get(dir)?.find((x) => x.n === step.n && x.where === where);
    if (skip) {
      it(`${name}: not run (${skip})`, () => expect(result()?.verdict).toBe('skip'));
    } else if (bug) {
      // passes while the bug is there (the output misses what the step expects); once fixed,
      // this fails: remove the step's bug[...] line
      it.fails(`${name}: KNOWN ${where} BUG, fails until fixed: ${bug}`, () => {
        const r = result();
        if (r) expect(misses(step, where, r.status, r.output), r.output).toEqual([]);
      });
    } else {
      it(name, () => {
        const r = result();
        expect(r, 'the runner reported no result').toBeDefined();
        expect(misses(step, where, r!.status, r!.output), r!.output).toEqual([]);
        expect(r!.verdict).toBe('ok');
      });
    }
  }

  it('README.md is rendered from its steps file', async () => {
    const rendered = await runLabScript([dir, '--readme'], {});
    expect(rendered.code).toBe(0);
    expect(readFileSync(path.join(lab.path, 'README.md'), 'utf8')).toBe(rendered.stdout);
  });
});

it('the labs leave nothing in minibox or podman', async () => {
  const ps = await minibox(['ps', '-a', '-q'], { root });
  expect(ps.stdout).toBe('');
  expect((await minibox(['volume', 'ls', '-q'], { root })).stdout).toBe('');
  // the tables' first columns (minibox's images has no --format yet)
  const column = (table: string, from: number, to: number) =>
    table.trim().split('\n').slice(1).map((l) => l.split(/\s+/).slice(from, to).join(':')).sort();
  const loaded = LABS.some((l) => l.dir.endsWith('-mysql')) ? ['busybox:latest', 'mysql:latest'] : ['busybox:latest'];
  expect(column((await minibox(['images'], { root })).stdout, 0, 2)).toEqual(loaded);
  expect(column((await minibox(['network', 'ls'], { root })).stdout, 1, 2)).toEqual(['bridge', 'host', 'none']);
  if (PODMAN) {
    const after = podmanState();
    // what this test loaded is still there (removed after all): only the labs' own count
    const ours = (s: typeof after) => ({ ...s, images: s.images.filter((i) => !podmanLoaded.some((n) => i.endsWith(` ${n}`))) });
    expect(ours(after)).toEqual(ours(podmanBefore!));
  }
});

it('examples/README.md lists every lab', () => {
  const index = readFileSync(path.join(EXAMPLES, 'README.md'), 'utf8');
  for (const lab of LABS) expect(index).toContain(`[${lab.dir}](${lab.dir}/README.md)`);
});

it('a lab whose needs are not met exits 2 naming what is missing', async () => {
  const needy = LABS.find((l) => l.needs.includes('LAB_REGISTRY'))!;
  const run = await runLabScript([needy.dir, '--non-interactive'], { MINIBOX_ROOT: root, LAB_REGISTRY: '' });
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/^minibox: this lab needs LAB_REGISTRY: /);
  expect(run.stdout).toBe('');
});

describe('a lab that fails or is interrupted still removes what it made', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'labs-test-broken-'));
    const steps = (second: string) =>
      [
        'lab: a broken lab',
        'cleanup: $ENGINE rm -f lab-broken',
        'step: a container',
        `run: $ENGINE run --detach $RUN_FLAGS --name lab-broken busybox sh -c 'trap "exit 0" TERM; sleep 600 & wait'`,
        'step: a step that does not do what it should',
        `run: ${second}`,
        'expect: ^never printed$',
      ].join('\n') + '\n';
    mkdirSync(path.join(dir, '98-failing'));
    writeFileSync(path.join(dir, '98-failing', 'steps'), steps('echo "$ENGINE" > /dev/null; false'));
    mkdirSync(path.join(dir, '99-interrupted'));
    writeFileSync(path.join(dir, '99-interrupted', 'steps'), steps('echo "$ENGINE" > /dev/null; echo waiting; sleep 30'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const leftover = async () => (await minibox(['ps', '-a', '--filter', 'name=lab-broken', '-q'], { root })).stdout;

  it('a failing step: exit 1, the step named, the container removed', async () => {
    const run = await runLabScript([path.join(dir, '98-failing'), '--non-interactive'], env());
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('minibox: FAILED: exit status 1, expected 0; no line matches /^never printed$/');
    expect(run.stdout).toMatch(/98-failing: FAILED \(minibox: 1 ok, 1 fail\)/);
    expect(await leftover()).toBe('');
  });

  it('Ctrl-C during a step: the container removed all the same', async () => {
    const child = spawn('bash', [RUN_LAB, path.join(dir, '99-interrupted'), '--non-interactive'], {
      env: { ...process.env, ...env() },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // a process group of its own, as a terminal's foreground job is
    });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await waitFor(() => stdout.includes('Step 2/2'), { timeout: 30_000, what: 'the runner to reach step 2' });
    await waitFor(async () => (await leftover()) !== '' && spawnSync('pgrep', ['-g', String(child.pid), 'sleep']).status === 0, {
      timeout: 10_000,
      what: 'step 2 to be sleeping',
    });
    process.kill(-child.pid!, 'SIGINT'); // what Ctrl-C does: the whole foreground group
    expect(await exited).toBe(130);
    expect(await leftover()).toBe('');
  });
});

describe('minibox lab, from any directory', () => {
  it('without a name lists every lab, as --list does', async () => {
    const bare = await runMiniboxLab([], {});
    const list = await runMiniboxLab(['--list'], {});
    expect(bare.code).toBe(0);
    expect(bare.stdout).toBe(list.stdout);
    expect(bare.stdout.trim().split('\n').map((l) => l.split(' ')[0])).toEqual(LABS.map((l) => l.dir));
    for (const lab of LABS) expect(bare.stdout).toContain(lab.title);
  });

  it('the wrapper and the command render the same README', async () => {
    const lab = LABS[0]!;
    expect((await runMiniboxLab([lab.dir, '--readme'], {})).stdout).toBe((await runLabScript([lab.dir, '--readme'], {})).stdout);
  });

  it('a lab that does not exist, an unknown engine, a bad option: exit 2, one line', async () => {
    for (const args of [['no-such-lab'], ['01', '--compare', 'rkt'], ['01', '--no-such-flag']]) {
      const run = await runMiniboxLab(args, { MINIBOX_ROOT: root });
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^(error: .*\n)?minibox: .+\n$/);
    }
  });
});
