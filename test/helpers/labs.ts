import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { MINIBOX_BIN, REPO } from './minibox.js';

/**
 * The labs of examples/ as the tests see them. Each lab's `steps` file is read here on its
 * own (the format of examples/README.md, which `minibox lab` reads too), so that the
 * test checks the runner's verdicts against the file instead of trusting them: every step
 * the file has must have a result, and every output must match the step's `expect:` lines.
 */
export const EXAMPLES = path.join(REPO, 'examples');
export const RUN_LAB = path.join(EXAMPLES, 'run-lab.sh');
export const ENGINES = ['minibox', 'podman', 'docker'] as const;
export type Engine = (typeof ENGINES)[number];
/** Where a step ran: with an engine, or once on the host (a step that uses no engine). */
export type Where = Engine | 'host';

export interface LabStep {
  n: number;
  title: string;
  run: string;
  /** The expect: lines everyone's ('') and each engine's own (they add up). */
  expect: Record<string, string[]>;
  /** status: ('' everyone's, an engine's own replaces it); absent means 0. */
  status: Record<string, number>;
  skip: Partial<Record<Engine, string>>;
  bug: Partial<Record<Engine, string>>;
  /** Runs with each engine (else once on the host): the runner's uses_engine rule. */
  perEngine: boolean;
}

export interface Lab {
  dir: string; // 03-cgroups
  path: string;
  title: string;
  needs: string[]; // the names: LAB_REGISTRY, curl
  steps: LabStep[];
}

const LINE = /^([a-z]+)(?:\[([a-z]+)\])?:\s?(.*)$/;
const STEP_KEYS = new Set(['why', 'run', 'look', 'expect', 'status', 'note', 'skip', 'bug', 'timeout']);

export function parseSteps(text: string, file: string): Omit<Lab, 'dir' | 'path'> {
  let title = '';
  const needs: string[] = [];
  const steps: LabStep[] = [];
  text.split('\n').forEach((line, i) => {
    if (/^\s*(#.*)?$/.test(line)) return;
    const m = LINE.exec(line);
    if (!m) throw new Error(`${file}:${i + 1}: not a 'key: value' line: ${line}`);
    const [, key, engine = '', value] = m as unknown as [string, string, string | undefined, string];
    if (engine !== '' && !(ENGINES as readonly string[]).includes(engine)) throw new Error(`${file}:${i + 1}: unknown engine ${engine}`);
    if (key === 'lab') title = value;
    else if (key === 'needs') needs.push(value.split(' ')[0]!);
    else if (key === 'about' || key === 'cleanup' || key === 'port') return;
    else if (key === 'step') steps.push({ n: steps.length + 1, title: value, run: '', expect: {}, status: {}, skip: {}, bug: {}, perEngine: false });
    else if (STEP_KEYS.has(key)) {
      const step = steps.at(-1);
      if (!step) throw new Error(`${file}:${i + 1}: '${key}:' before the first 'step:'`);
      if (key === 'run') step.run += (step.run ? '\n' : '') + value;
      else if (key === 'expect') (step.expect[engine] ??= []).push(value);
      else if (key === 'status') step.status[engine] = Number(value);
      else if (key === 'skip') step.skip[engine as Engine] = value;
      else if (key === 'bug') step.bug[engine as Engine] = value;
    } else throw new Error(`${file}:${i + 1}: unknown key '${key}:'`);
  });
  for (const s of steps) s.perEngine = /\$(ENGINE|WORK|ME|PORT2?)([^A-Za-z0-9_]|$)/.test(s.run);
  if (!title) throw new Error(`${file}: no 'lab:' line`);
  return { title, needs, steps };
}

/** Every lab folder of examples/ (NN-topic with a steps file), in order. */
export function listLabs(): Lab[] {
  return readdirSync(EXAMPLES)
    .filter((d) => /^\d\d-/.test(d) && existsSync(path.join(EXAMPLES, d, 'steps')))
    .sort()
    .map((dir) => {
      const file = path.join(EXAMPLES, dir, 'steps');
      return { dir, path: path.join(EXAMPLES, dir), ...parseSteps(readFileSync(file, 'utf8'), file) };
    });
}

/** What must hold for a step's output with one engine: the status, and each expect line. */
export function expectationsFor(step: LabStep, where: Where): { status: number; patterns: string[] } {
  const own = where === 'host' ? [] : (step.expect[where] ?? []);
  return { status: step.status[where] ?? step.status[''] ?? 0, patterns: [...(step.expect[''] ?? []), ...own] };
}

/** A step's misses, checked here (not by the runner): empty when the output meets it all. */
export function misses(step: LabStep, where: Where, status: number, output: string): string[] {
  const want = expectationsFor(step, where);
  const out: string[] = [];
  if (status !== want.status) out.push(`exit status ${status}, expected ${want.status}`);
  for (const p of want.patterns) if (!new RegExp(p, 'm').test(output)) out.push(`no line matches /${p}/`);
  return out;
}

export type Verdict = 'ok' | 'fail' | 'skip' | 'known-bug' | 'bug-fixed';

export interface StepResult {
  n: number;
  where: Where;
  verdict: Verdict;
  status: number;
  output: string;
}

/** results.tsv and the outputs the runner wrote into LAB_RESULTS. */
export function readResults(dir: string): StepResult[] {
  const tsv = path.join(dir, 'results.tsv');
  if (!existsSync(tsv)) return [];
  return readFileSync(tsv, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [n, where, verdict, status] = line.split('\t') as [string, Where, Verdict, string];
      const file = path.join(dir, `${n}.${where}.out`);
      return { n: Number(n), where, verdict, status: Number(status), output: existsSync(file) ? readFileSync(file, 'utf8') : '' };
    });
}

export interface LabRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** examples/run-lab.sh (the wrapper of `minibox lab`) with these arguments and environment, output collected. */
export function runLabScript(args: string[], env: Record<string, string>, timeoutMs = 300_000): Promise<LabRun> {
  return runCollected('bash', [RUN_LAB, ...args], env, timeoutMs);
}

/** `minibox lab …` itself, from another directory than the checkout (`/`), as a student may run it. */
export function runMiniboxLab(args: string[], env: Record<string, string>, timeoutMs = 300_000): Promise<LabRun> {
  // `--`: Node would otherwise read options meant for minibox
  return runCollected(process.execPath, ['--', MINIBOX_BIN, 'lab', ...args], env, timeoutMs, '/');
}

function runCollected(cmd: string, args: string[], env: Record<string, string>, timeoutMs: number, cwd?: string): Promise<LabRun> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 0), stdout, stderr, ms: Date.now() - start });
    });
  });
}

/** podman on this host, or undefined when it is not installed. */
export function podmanPath(): string | undefined {
  const r = spawnSync('sh', ['-c', 'command -v podman'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** What podman holds, to tell afterwards that the labs left nothing behind. */
export function podmanState(): Record<'containers' | 'images' | 'volumes' | 'networks', string[]> {
  const list = (...args: string[]) =>
    execFileSync('podman', args, { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .sort();
  return {
    containers: list('ps', '--all', '--format', '{{.Names}}'),
    images: list('images', '--all', '--format', '{{.ID}} {{.Repository}}:{{.Tag}}'),
    volumes: list('volume', 'ls', '--quiet'),
    networks: list('network', 'ls', '--format', '{{.Name}}'),
  };
}
