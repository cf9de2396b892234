import { appendFileSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tty from 'node:tty';
import { fieldOf, labCannotRun, ownField, scriptOf, usesEngine, type Engine, type LabStep, type Where } from './steps-file.js';
import { fold, promptLines, renderFor, rule, shownLines, sideBySide } from './text-layout.js';
import { failsLab, judge, type Verdict } from './judge.js';
import { cleanUp, engineEnv, initEngine, type EngineContext, type LabEngine } from './engines.js';
import { hasCommand, runScript, signalCurrentStep } from './shell.js';
import type { FoundLab } from './catalog.js';

/**
 * One lab, run step by step: the step's why and command, Enter to run it (interactive),
 * its output (beside the compared engine's), what to look at, the expected differences,
 * and a verdict per engine; at the end a summary. Whatever the lab made is removed at the
 * end, also after a failure or Ctrl-C. Resolves to the exit status: 0 every step met its
 * expectations, 1 some did not, 130/143 interrupted.
 */

export interface LabOptions {
  primary: Engine;
  compare?: Engine;
  interactive: boolean;
  checkout: string;
  /** LAB_RESULTS: results.tsv and each output written there. */
  resultsDir?: string;
  firstPort?: number; // LAB_PORT
  maxLines: number; // LAB_MAX_LINES
}

const write = (s: string) => process.stdout.write(s);
const say = (...lines: string[]) => write(lines.map((l) => `${l}\n`).join(''));

class Interrupted extends Error {
  constructor(readonly status: number) {
    super('interrupted');
  }
}

/** Enter on the terminal (not stdin: steps' stdin is empty anyway); resolves at once without one. */
function waitForEnter(signal: Promise<void>): Promise<void> {
  let input: tty.ReadStream;
  try {
    input = new tty.ReadStream(openSync('/dev/tty', 'r'));
  } catch {
    return Promise.resolve();
  }
  write('(Enter runs it) ');
  return Promise.race([new Promise<void>((resolve) => input.once('data', () => resolve())), signal]).finally(() => input.destroy());
}

export async function runLab(found: FoundLab, opts: LabOptions): Promise<number> {
  const { lab } = found;
  const engines: Engine[] = opts.compare ? [opts.primary, opts.compare] : [opts.primary];
  for (const need of lab.needs) checkNeed(need);
  if (opts.resultsDir) {
    try {
      mkdirSync(opts.resultsDir, { recursive: true });
      writeFileSync(path.join(opts.resultsDir, 'results.tsv'), '');
    } catch {
      throw labCannotRun(`cannot write ${opts.resultsDir}`);
    }
  }
  const workRoot = mkdtempSync(path.join(os.tmpdir(), 'minibox-lab-'));
  mkdirSync(path.join(workRoot, 'host'));
  const ctx: EngineContext = { checkout: opts.checkout, workRoot, labDir: found.dir, env: {} };
  const used: LabEngine[] = [];
  // Ctrl-C (or TERM) ends the step running, then the lab, cleanly: the step's processes get the
  // terminal's signal themselves; one sent to the runner alone is passed on to the step
  let interrupted = 0;
  let wake = () => {};
  const signalled = new Promise<void>((resolve) => (wake = resolve));
  const onSignal = (sig: NodeJS.Signals, status: number) => () => {
    if (interrupted) return;
    interrupted = status;
    signalCurrentStep(sig);
    wake();
  };
  const onInt = onSignal('SIGINT', 130);
  const onTerm = onSignal('SIGTERM', 143);
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  const check = () => {
    if (interrupted) throw new Interrupted(interrupted);
  };
  try {
    let port = opts.firstPort ?? lab.port;
    for (const e of engines) {
      used.push(initEngine(e, port, ctx));
      port += 2;
      check();
    }
    say(rule(lab.title));
    for (const p of lab.about) if (p !== '') say(fold(p), '');
    for (const e of used) {
      say(`${`${e.engine}:`.padEnd(8)} $ENGINE = ${e.command}; $PORT = ${e.port}, $PORT2 = ${e.port + 1}`);
      if (e.runFlags) say(`${''.padEnd(8)} $RUN_FLAGS = ${e.runFlags}`);
    }
    const counts = new Counts();
    for (const step of lab.steps) {
      await runStep(step, lab.steps.length, used, ctx, opts, counts, signalled);
      check();
    }
    say('', rule(`${found.name}: ${counts.failed ? 'FAILED' : 'done'} (${counts.summary(['host', ...engines])})`));
    return counts.failed ? 1 : 0;
  } catch (err) {
    if (err instanceof Interrupted) return err.status;
    throw err;
  } finally {
    cleanUp(used, lab.cleanup, ctx);
    rmSync(workRoot, { recursive: true, force: true });
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}

/** `needs: NAME what for`: an environment variable (upper case) set, or a command on the PATH. */
function checkNeed(need: string): void {
  const [name = '', ...rest] = need.split(' ');
  const why = rest.length ? rest.join(' ') : need;
  if (/^[A-Z][A-Z0-9_]*$/.test(name)) {
    if (!process.env[name]) throw labCannotRun(`this lab needs ${name}: ${why}`);
  } else if (!/^[A-Za-z0-9_.+-]+$/.test(name) || !hasCommand(name)) {
    throw labCannotRun(`this lab needs the '${name}' command: ${why}`);
  }
}

class Counts {
  private readonly byWhere = new Map<string, Map<Verdict, number>>();
  failed = false;

  add(where: Where, v: Verdict): void {
    const m = this.byWhere.get(where) ?? new Map<Verdict, number>();
    m.set(v, (m.get(v) ?? 0) + 1);
    this.byWhere.set(where, m);
    if (failsLab(v)) this.failed = true;
  }

  /** "host: 1 ok; minibox: 5 ok, 1 skip" */
  summary(order: string[]): string {
    const verdicts: Verdict[] = ['ok', 'fail', 'skip', 'known-bug', 'bug-fixed'];
    return order
      .map((w) => {
        const m = this.byWhere.get(w);
        const parts = verdicts.filter((v) => m?.get(v)).map((v) => `${m?.get(v)} ${v}`);
        return parts.length ? `${w}: ${parts.join(', ')}` : '';
      })
      .filter(Boolean)
      .join('; ');
  }
}

function record(opts: LabOptions, step: LabStep, where: Where, verdict: Verdict, status: number | '-', output: string): void {
  if (!opts.resultsDir) return;
  writeFileSync(path.join(opts.resultsDir, `${step.n}.${where}.out`), `${output}\n`);
  appendFileSync(path.join(opts.resultsDir, 'results.tsv'), `${step.n}\t${where}\t${verdict}\t${status}\t${step.title}\n`);
}

interface Ran {
  engine: Engine;
  status: number;
  output: string;
}

async function runOn(step: LabStep, where: Where, env: NodeJS.ProcessEnv, ctx: EngineContext): Promise<{ status: number; output: string }> {
  const timeoutS = Number(fieldOf(step, 'timeout', where) || '60');
  const r = await runScript(scriptOf(step), { cwd: ctx.labDir, env, timeoutS });
  return { status: r.status, output: r.timedOut ? `${r.output}\n(the step did not finish within ${timeoutS} s)` : r.output };
}

/**
 * podman 4.3 (Debian 12's) now and then loses the race to conmon's attach socket on a short
 * `podman run` and fails before the container runs ("failed to connect to container's attach
 * socket: …/attach: no such file or directory", containers/podman#10011, #19352; it failed this project's CI
 * once, in lab 03). The comparison is about the container, not that race: the step is
 * run once more, and the output says so. Only podman's, only that message.
 */
const PODMAN_ATTACH_RACE = /failed to connect to container's attach socket/;

async function runOnEngine(step: LabStep, e: LabEngine, ctx: EngineContext): Promise<{ status: number; output: string }> {
  const first = await runOn(step, e.engine, engineEnv(e, ctx), ctx);
  if (e.engine !== 'podman' || first.status === 0 || !PODMAN_ATTACH_RACE.test(first.output)) return first;
  const again = await runOn(step, e.engine, engineEnv(e, ctx), ctx);
  return { ...again, output: `${again.output}${again.output.endsWith('\n') || again.output === '' ? '' : '\n'}(run twice: podman lost the race to its attach socket the first time)\n` };
}

async function runStep(
  step: LabStep,
  total: number,
  engines: LabEngine[],
  ctx: EngineContext,
  opts: LabOptions,
  counts: Counts,
  signalled: Promise<void>,
): Promise<void> {
  const primary = engines[0]!;
  const compare = engines[1];
  const mine = (text: string, e: LabEngine = primary) => renderFor(text, e.engine, e.port);
  say('', rule(`Step ${step.n}/${total}: ${step.title}`));
  const why = fieldOf(step, 'why', primary.engine);
  if (why) say(fold(mine(why)));
  say(...promptLines(mine(scriptOf(step))));
  if (opts.interactive) await waitForEnter(signalled);
  const look = () => {
    const l = fieldOf(step, 'look', primary.engine);
    if (l) say(fold(`look at: ${mine(l)}`));
  };
  const verdict = (where: Where, status: number, output: string) => {
    const j = judge(step, where, status, output);
    counts.add(where, j.verdict);
    say(j.line);
    record(opts, step, where, j.verdict, status, output);
  };

  if (!usesEngine(step)) {
    const r = await runOn(step, 'host', { ...process.env, ...ctx.env, WORK: path.join(ctx.workRoot, 'host'), LAB_DIR: ctx.labDir }, ctx);
    say(...shownLines(r.output, opts.maxLines));
    look();
    verdict('host', r.status, r.output);
    return;
  }
  const ran: Ran[] = [];
  for (const e of engines) {
    if (ownField(step, 'skip', e.engine)) continue;
    ran.push({ engine: e.engine, ...(await runOnEngine(step, e, ctx)) });
  }
  const [a, b] = ran;
  if (a && b) {
    say(...sideBySide({ name: a.engine, status: a.status, output: a.output }, { name: b.engine, status: b.status, output: b.output }, opts.maxLines));
  } else if (a) {
    if (compare) say(rule(`${a.engine} (exit ${a.status})`));
    say(...shownLines(a.output, opts.maxLines));
  }
  look();
  if (compare) {
    // note: (any engine) and note[E]: what differs, and why, with E beside the others
    const note = ownField(step, 'note', '');
    if (note) say(fold(`difference: ${note}`));
    for (const e of engines) {
      const own = ownField(step, 'note', e.engine);
      if (own) say(fold(`difference (${e.engine}): ${own}`));
    }
  }
  for (const e of engines) {
    const skip = ownField(step, 'skip', e.engine);
    if (skip) {
      say(`${e.engine}: not run: ${skip}`);
      counts.add(e.engine, 'skip');
      record(opts, step, e.engine, 'skip', '-', '');
      continue;
    }
    const r = ran.find((x) => x.engine === e.engine);
    if (r) verdict(e.engine, r.status, r.output);
  }
}
