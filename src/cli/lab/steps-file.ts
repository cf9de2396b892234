import { MiniboxError } from '../../util/errors.js';

/**
 * A lab's `steps` file (format: examples/README.md), read into a lab: its title, about
 * paragraphs, needs, first port, cleanup lines, and the steps with their fields, each given
 * for every engine ('') or for one engine (`key[podman]:`). Pure: text in, lab out; a line
 * that is not of the format is an error naming the file and line (exit 2: the lab cannot run).
 */

export const ENGINES = ['minibox', 'podman', 'docker'] as const;
export type Engine = (typeof ENGINES)[number];
/** Where a step runs: with an engine, or once on the host (a step that uses no engine). */
export type Where = Engine | 'host';

export const STEP_KEYS = ['why', 'run', 'look', 'expect', 'status', 'note', 'skip', 'bug', 'timeout'] as const;
export type StepKey = (typeof STEP_KEYS)[number];

export interface LabStep {
  n: number; // 1-based
  title: string;
  /** key → engine ('' for everyone's) → value; run and expect lines join with '\n', the others with ' '. */
  fields: Partial<Record<StepKey, Record<string, string>>>;
}

export interface LabFile {
  title: string;
  about: string[]; // paragraphs; an empty one is kept (it only separates)
  needs: string[]; // "NAME what for"
  port: number; // the lab's first host port ($PORT)
  cleanup: string[];
  steps: LabStep[];
}

export const DEFAULT_PORT = 8080;

/** One exit status for "the lab could not run" (bad file, engine missing, needs unmet). */
export function labCannotRun(message: string): MiniboxError {
  return new MiniboxError(message, 2);
}

const LINE = /^([a-z]+)(\[([a-z]+)\])?:\s?(.*)$/;

export function parseStepsFile(text: string, file: string): LabFile {
  const lab: LabFile = { title: '', about: [], needs: [], port: DEFAULT_PORT, cleanup: [], steps: [] };
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    const where = `${file}:${i + 1}`;
    if (/^\s*(#.*)?$/.test(line)) return;
    const m = LINE.exec(line);
    if (!m) throw labCannotRun(`${where}: not a 'key: value' line: ${line}`);
    const key = m[1] ?? '';
    const engine = m[3] ?? '';
    const value = m[4] ?? '';
    if (engine !== '' && !(ENGINES as readonly string[]).includes(engine)) {
      throw labCannotRun(`${where}: unknown engine '${engine}' (one of: ${ENGINES.join(' ')})`);
    }
    switch (key) {
      case 'lab':
        lab.title = value;
        return;
      case 'port':
        if (!/^[0-9]+$/.test(value)) throw labCannotRun(`${where}: port: takes a number`);
        lab.port = Number(value);
        return;
      case 'about':
        // an empty about: starts the next paragraph; the others join the current one
        if (value === '' || lab.about.length === 0) lab.about.push(value);
        else lab.about[lab.about.length - 1] = joinWords(lab.about[lab.about.length - 1] ?? '', value);
        return;
      case 'needs':
        lab.needs.push(value);
        return;
      case 'cleanup':
        lab.cleanup.push(value);
        return;
      case 'step':
        lab.steps.push({ n: lab.steps.length + 1, title: value, fields: {} });
        return;
      default:
        if (!(STEP_KEYS as readonly string[]).includes(key)) throw labCannotRun(`${where}: unknown key '${key}:'`);
        addField(lab.steps.at(-1), key as StepKey, engine, value, where);
    }
  });
  if (!lab.title) throw labCannotRun(`${file}: no 'lab:' line`);
  for (const s of lab.steps) {
    if (!s.fields.run?.['']) throw labCannotRun(`${file}: step ${s.n} (${s.title}) has no 'run:' line`);
  }
  return lab;
}

function joinWords(a: string, b: string): string {
  return a === '' ? b : `${a} ${b}`;
}

function addField(step: LabStep | undefined, key: StepKey, engine: string, value: string, where: string): void {
  if (!step) throw labCannotRun(`${where}: '${key}:' comes before the first 'step:'`);
  const byEngine = (step.fields[key] ??= {});
  const before = byEngine[engine];
  if (before === undefined) byEngine[engine] = value;
  else byEngine[engine] = key === 'run' || key === 'expect' ? `${before}\n${value}` : `${before} ${value}`;
}

/** A field for one engine: its own value if the file gives one, else everyone's ('' when neither). */
export function fieldOf(step: LabStep, key: StepKey, where: Where | ''): string {
  const byEngine = step.fields[key];
  if (!byEngine) return '';
  return byEngine[where] ?? byEngine[''] ?? '';
}

/** An engine's own value only (skip[E], bug[E], note[E]); '' when it has none. */
export function ownField(step: LabStep, key: StepKey, engine: string): string {
  return step.fields[key]?.[engine] ?? '';
}

/** The step's script: every run: line, one a line. */
export function scriptOf(step: LabStep): string {
  return step.fields.run?.[''] ?? '';
}

/**
 * Whether the step uses an engine, or what an engine's earlier steps left in $WORK; one
 * that does not runs once, on the host.
 */
export function usesEngine(step: LabStep): boolean {
  return /\$(ENGINE|WORK|ME|PORT2?)([^A-Za-z0-9_]|$)/m.test(scriptOf(step));
}
