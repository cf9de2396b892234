import { MiniboxError } from '../util/errors.js';
import { checkFlags, splitFlags, type Dockerfile, type Instruction } from './dockerfile.js';

/**
 * A Dockerfile as the classic builder runs it: the global ARGs before the first FROM, then
 * the stages (a FROM and what follows it), cut after `--target`. Every instruction of those
 * is one `Step N/M` (M counts them all, the global ARGs and each FROM included).
 */
export interface Stage {
  index: number;
  name?: string; // AS name, lower-cased (Docker's stage names are case-insensitive)
  from: Instruction;
  body: Instruction[];
}

export interface BuildPlan {
  escape: string;
  metaArgs: Instruction[];
  stages: Stage[];
  totalSteps: number;
}

/** `FROM [--platform=P] image [AS name]` (raw words, before expansion). */
export function parseFrom(ins: Instruction): { image: string; name?: string; platform?: string } {
  const { flags, rest } = splitFlags(ins.args);
  checkFlags('FROM', flags, ['platform']);
  const words = rest.trim().split(/\s+/).filter((w) => w !== '');
  const platform = flags.get('platform');
  const base = { ...(typeof platform === 'string' ? { platform } : {}) };
  if (words.length === 1) return { image: words[0] ?? '', ...base };
  if (words.length === 3 && (words[1] ?? '').toLowerCase() === 'as') {
    const name = (words[2] ?? '').toLowerCase();
    if (!/^[a-z][a-z0-9\-_.]*$/.test(name)) throw new MiniboxError(`invalid name for build stage: "${words[2] ?? ''}", name can't start with a number or contain symbols`, 1);
    return { image: words[0] ?? '', name, ...base };
  }
  throw new MiniboxError('FROM requires either one or three arguments', 1);
}

export function planBuild(df: Dockerfile, target?: string): BuildPlan {
  const metaArgs: Instruction[] = [];
  const stages: Stage[] = [];
  for (const ins of df.instructions) {
    if (ins.keyword === 'FROM') {
      const { name } = parseFrom(ins);
      if (name !== undefined && stages.some((s) => s.name === name)) throw new MiniboxError(`duplicate name ${name}`, 1);
      stages.push({ index: stages.length, ...(name !== undefined ? { name } : {}), from: ins, body: [] });
    } else if (stages.length === 0) {
      if (ins.keyword !== 'ARG') throw new MiniboxError(`dockerfile parse error line ${ins.line}: no build stage in current context`, 1);
      metaArgs.push(ins);
    } else {
      stages[stages.length - 1]?.body.push(ins);
    }
  }
  if (stages.length === 0) throw new MiniboxError('No image was generated. Is your Dockerfile empty?', 1);
  let kept = stages;
  if (target !== undefined) {
    const t = target.toLowerCase();
    const at = stages.findIndex((s) => s.name === t);
    if (at < 0) throw new MiniboxError(`failed to reach build target ${target} in Dockerfile`, 1);
    kept = stages.slice(0, at + 1);
  }
  const totalSteps = metaArgs.length + kept.reduce((n, s) => n + 1 + s.body.length, 0);
  return { escape: df.escape, metaArgs, stages: kept, totalSteps };
}

/** `--from=NAME|N` → an earlier stage, or undefined (then it names an image). */
export function stageByName(stages: readonly Stage[], before: number, ref: string): Stage | undefined {
  const lower = ref.toLowerCase();
  const named = stages.slice(0, before).find((s) => s.name === lower);
  if (named) return named;
  if (/^\d+$/.test(ref)) {
    const n = Number(ref);
    if (n >= before) throw new MiniboxError(`invalid from flag value ${ref}: refers to current build stage or a later one`, 1);
    return stages[n];
  }
  return undefined;
}
