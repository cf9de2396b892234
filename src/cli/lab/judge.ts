import { fieldOf, type LabStep, type Where } from './steps-file.js';

/**
 * Whether a step's output meets what the step expects, and the verdict: `ok`, `fail`, or,
 * for a step marked `bug[E]:`, `known-bug` (failed as the mark says) or `bug-fixed` (passed:
 * the mark must go, so it fails the lab). Pure.
 */
export type Verdict = 'ok' | 'fail' | 'skip' | 'known-bug' | 'bug-fixed';

/** Every expect: line the step has for this engine: everyone's, then its own. */
export function patternsFor(step: LabStep, where: Where): string[] {
  const lines = (s: string | undefined) => (s ? s.split('\n').filter((l) => l !== '') : []);
  return [...lines(step.fields.expect?.['']), ...(where === 'host' ? [] : lines(step.fields.expect?.[where]))];
}

/** A POSIX ERE as the steps file writes it, in the part JavaScript's RegExp shares; bad ones say so. */
function matchesSomeLine(pattern: string, output: string): boolean | string {
  let re: RegExp;
  try {
    re = new RegExp(pattern);
  } catch (err) {
    return `bad pattern /${pattern}/: ${err instanceof Error ? err.message : String(err)}`;
  }
  // as grep -E: a line matches, never a match across lines
  return output.split('\n').some((line) => re.test(line));
}

/** Why the output misses what the step expects; empty when it meets it. */
export function missesOf(step: LabStep, where: Where, status: number, output: string): string[] {
  const reasons: string[] = [];
  const want = fieldOf(step, 'status', where) || '0';
  if (String(status) !== want.trim()) reasons.push(`exit status ${status}, expected ${want}`);
  for (const p of patternsFor(step, where)) {
    const hit = matchesSomeLine(p, output);
    if (hit === false) reasons.push(`no line matches /${p}/`);
    else if (typeof hit === 'string') reasons.push(hit);
  }
  return reasons;
}

export interface Judgement {
  verdict: Verdict;
  line: string; // what the runner prints: "minibox: ok", "podman: FAILED: …"
}

export function judge(step: LabStep, where: Where, status: number, output: string): Judgement {
  const why = missesOf(step, where, status, output).join('; ');
  const bug = fieldOf(step, 'bug', where);
  if (bug) {
    return why
      ? { verdict: 'known-bug', line: `${where}: KNOWN BUG, failed as expected: ${bug} (${why})` }
      : { verdict: 'bug-fixed', line: `${where}: passed, but the step is marked as a known bug: remove its 'bug[${where}]:' line` };
  }
  return why ? { verdict: 'fail', line: `${where}: FAILED: ${why}` } : { verdict: 'ok', line: `${where}: ok` };
}

/** A verdict that fails the lab. */
export const failsLab = (v: Verdict): boolean => v === 'fail' || v === 'bug-fixed';
