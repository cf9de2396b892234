import path from 'node:path';
import { MiniboxError } from '../util/errors.js';
import { goQuote } from '../util/go-quote.js';
import { checkFlags, parseJsonForm, parseKeyValues, splitFlags, splitWords, type Instruction } from './dockerfile.js';
import { expandWord, expandWords, type Lookup } from './shell-words.js';
import { formatGoDuration, requireGoDuration } from './go-duration.js';
import { shellOf, type RuntimeConfig } from './image-state.js';

/**
 * The instructions that only change the image config (no container, no layer), as Docker's
 * classic builder applies them, each with its history line (`ENV A=b` becomes
 * `/bin/sh -c #(nop)  ENV A=b`, Docker's text, with its two spaces). Variables are
 * expanded where Docker expands them: ENV, LABEL, EXPOSE, VOLUME, USER, WORKDIR, STOPSIGNAL;
 * not in CMD, ENTRYPOINT, HEALTHCHECK, SHELL, MAINTAINER or ONBUILD.
 */
export interface MetadataContext {
  escape: string;
  lookup: Lookup; // the image's Env with the build args in scope under it
  cmdSet: boolean; // CMD was given in this stage (ENTRYPOINT then keeps it)
}

export interface MetadataResult {
  config: RuntimeConfig;
  createdBy: string; // the history line
  author?: string; // MAINTAINER
  cmdSet?: boolean;
}

export const METADATA_KEYWORDS = new Set(['ENV', 'LABEL', 'CMD', 'ENTRYPOINT', 'EXPOSE', 'VOLUME', 'USER', 'WORKDIR', 'STOPSIGNAL', 'HEALTHCHECK', 'ONBUILD', 'SHELL', 'MAINTAINER']);

/** `/bin/sh -c #(nop)  <comment>`, with the stage's shell, as Docker's withCmdComment. */
export function nopLine(config: RuntimeConfig, comment: string): string {
  return [...shellOf(config), '#(nop) ', comment].join(' ');
}

/** Go's %q of a []string: ["a" "b"]. */
export function goQuoteList(list: readonly string[]): string {
  return `[${list.map(goQuote).join(' ')}]`;
}

function requireArgs(ins: Instruction, rest: string): void {
  if (rest.trim() === '') throw new MiniboxError(`${ins.keyword} requires at least one argument`, 1);
}

function noFlags(ins: Instruction): string {
  const { flags, rest } = splitFlags(ins.args);
  checkFlags(ins.keyword, flags, []);
  return rest;
}

/** CMD/ENTRYPOINT/HEALTHCHECK CMD: JSON form as is, shell form through the stage's shell. */
function commandOf(rest: string, config: RuntimeConfig): string[] {
  return parseJsonForm(rest) ?? [...shellOf(config), rest];
}

export function applyMetadata(ins: Instruction, config: RuntimeConfig, ctx: MetadataContext): MetadataResult {
  const expand = (w: string) => expandWord(w, ctx.lookup, ctx.escape);
  const nop = (comment: string) => nopLine(config, comment);
  switch (ins.keyword) {
    case 'ENV': {
      const pairs = parseKeyValues('ENV', noFlags(ins), ctx.escape).map(([k, v]) => [expand(k), expand(v)] as const);
      let env = [...(config.Env ?? [])];
      for (const [k, v] of pairs) env = [...env.filter((kv) => kv.split('=', 1)[0] !== k), `${k}=${v}`];
      return { config: { ...config, Env: env }, createdBy: nop(`ENV ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}`) };
    }
    case 'LABEL': {
      const pairs = parseKeyValues('LABEL', noFlags(ins), ctx.escape).map(([k, v]) => [expand(k), expand(v)] as const);
      const labels = { ...(config.Labels ?? {}) };
      for (const [k, v] of pairs) labels[k] = v;
      return { config: { ...config, Labels: labels }, createdBy: nop(`LABEL ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}`) };
    }
    case 'MAINTAINER': {
      const rest = noFlags(ins).trim();
      requireArgs(ins, rest);
      return { config, author: rest, createdBy: nop(`MAINTAINER ${rest}`) };
    }
    case 'CMD': {
      const cmd = commandOf(noFlags(ins), config);
      return { config: { ...config, Cmd: cmd }, createdBy: nop(`CMD ${goQuoteList(cmd)}`), cmdSet: true };
    }
    case 'ENTRYPOINT': {
      const rest = noFlags(ins);
      const ep = rest.trim() === '' ? [] : commandOf(rest, config);
      // a new ENTRYPOINT drops the base image's CMD unless this stage set one (Docker)
      const next: RuntimeConfig = { ...config, Entrypoint: ep.length ? ep : null, ...(ctx.cmdSet ? {} : { Cmd: null }) };
      return { config: next, createdBy: nop(`ENTRYPOINT ${goQuoteList(ep)}`) };
    }
    case 'EXPOSE': {
      const rest = noFlags(ins);
      requireArgs(ins, rest);
      const words = splitWords(rest, ctx.escape).flatMap((w) => expandWords(w, ctx.lookup, ctx.escape));
      const ports = { ...(config.ExposedPorts ?? {}) };
      for (const w of words) for (const p of exposedPorts(w)) ports[p] = {};
      return { config: { ...config, ExposedPorts: ports }, createdBy: nop(`EXPOSE ${words.join(' ')}`) };
    }
    case 'VOLUME': {
      const rest = noFlags(ins);
      requireArgs(ins, rest);
      const list = (parseJsonForm(rest) ?? splitWords(rest, ctx.escape)).map(expand);
      const volumes = { ...(config.Volumes ?? {}) };
      for (const v of list) {
        if (v.trim() === '') throw new MiniboxError('VOLUME specified can not be an empty string', 1);
        volumes[v] = {};
      }
      return { config: { ...config, Volumes: volumes }, createdBy: nop(`VOLUME [${list.join(' ')}]`) };
    }
    case 'USER': {
      const rest = noFlags(ins).trim();
      requireArgs(ins, rest);
      const user = expand(rest);
      return { config: { ...config, User: user }, createdBy: nop(`USER ${user}`) };
    }
    case 'WORKDIR': {
      const rest = noFlags(ins).trim();
      requireArgs(ins, rest);
      const dir = workdirOf(config.WorkingDir, expand(rest));
      return { config: { ...config, WorkingDir: dir }, createdBy: nop(`WORKDIR ${dir}`) };
    }
    case 'STOPSIGNAL': {
      const rest = noFlags(ins).trim();
      requireArgs(ins, rest);
      const sig = expand(rest);
      if (!/^(SIG)?[A-Z][A-Z0-9+-]*$|^[0-9]+$/.test(sig)) throw new MiniboxError(`Invalid signal: ${sig}`, 1);
      return { config: { ...config, StopSignal: sig }, createdBy: nop(`STOPSIGNAL ${sig}`) };
    }
    case 'SHELL': {
      const shell = parseJsonForm(noFlags(ins));
      if (!shell || shell.length === 0) throw new MiniboxError('SHELL requires the arguments to be in JSON form', 1);
      return { config: { ...config, Shell: shell }, createdBy: nop(`SHELL [${shell.join(' ')}]`) };
    }
    case 'ONBUILD': {
      const rest = noFlags(ins).trim();
      requireArgs(ins, rest);
      const trigger = (rest.split(/\s/, 1)[0] ?? '').toUpperCase();
      if (trigger === 'ONBUILD') throw new MiniboxError('Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed', 1);
      if (trigger === 'FROM' || trigger === 'MAINTAINER') throw new MiniboxError(`${trigger} isn't allowed as an ONBUILD trigger`, 1);
      return { config: { ...config, OnBuild: [...(config.OnBuild ?? []), rest] }, createdBy: nop(`ONBUILD ${rest}`) };
    }
    case 'HEALTHCHECK':
      return healthcheck(ins, config, nop);
    default:
      throw new MiniboxError(`${ins.keyword} is not a metadata instruction`, 1);
  }
}

/** WORKDIR: relative to the previous one, cleaned, as Docker's path.Join. */
export function workdirOf(previous: string | undefined, dir: string): string {
  return path.posix.isAbsolute(dir) ? path.posix.normalize(dir).replace(/(.)\/$/, '$1') : path.posix.join(previous || '/', dir).replace(/(.)\/$/, '$1');
}

/** `80`, `80/udp`, `8000-8002/tcp` → Docker's ExposedPorts keys. */
export function exposedPorts(spec: string): string[] {
  const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(spec);
  const lo = Number(m?.[1]);
  const hi = m?.[2] !== undefined ? Number(m[2]) : lo;
  if (!m || lo < 0 || hi > 65535 || hi < lo) throw new MiniboxError(`invalid containerPort: ${spec.split('/')[0]}`, 1);
  const proto = (m[3] ?? 'tcp').toLowerCase();
  const out: string[] = [];
  for (let p = lo; p <= hi; p++) out.push(`${p}/${proto}`);
  return out;
}

function healthcheck(ins: Instruction, config: RuntimeConfig, nop: (c: string) => string): MetadataResult {
  const { flags, rest } = splitFlags(ins.args);
  checkFlags('HEALTHCHECK', flags, ['interval', 'timeout', 'start-period', 'start-interval', 'retries']);
  const kind = (rest.trim().split(/\s/, 1)[0] ?? '').toUpperCase();
  const duration = (name: string): number => {
    const v = flags.get(name);
    if (v === undefined) return 0;
    if (v === true) throw new MiniboxError(`missing a value on flag: ${name}`, 1);
    const ns = requireGoDuration(name, v);
    if (ns !== 0 && ns < 1e6) throw new MiniboxError(`Interval "${name}" cannot be less than 1ms`, 1);
    return ns;
  };
  let test: string[];
  if (kind === 'NONE') {
    if (rest.trim().toUpperCase() !== 'NONE' || flags.size > 0) throw new MiniboxError('HEALTHCHECK NONE takes no arguments', 1);
    test = ['NONE'];
  } else if (kind === 'CMD') {
    const cmdText = rest.trim().slice(3).trim();
    if (cmdText === '') throw new MiniboxError('Missing command after HEALTHCHECK CMD', 1);
    const json = parseJsonForm(cmdText);
    test = json ? ['CMD', ...json] : ['CMD-SHELL', cmdText];
  } else {
    throw new MiniboxError(`Unknown type "${kind}" in HEALTHCHECK (try CMD)`, 1);
  }
  const interval = duration('interval');
  const timeout = duration('timeout');
  const startPeriod = duration('start-period');
  const startInterval = duration('start-interval');
  const retriesFlag = flags.get('retries');
  const retries = retriesFlag === undefined || retriesFlag === true ? 0 : Number(retriesFlag);
  if (!Number.isInteger(retries) || retries < 0) throw new MiniboxError(`--retries must be at least 0 (got ${String(retriesFlag)})`, 1);
  const hc: NonNullable<RuntimeConfig['Healthcheck']> = { Test: test };
  if (interval) hc.Interval = interval;
  if (timeout) hc.Timeout = timeout;
  if (startPeriod) hc.StartPeriod = startPeriod;
  if (retries) hc.Retries = retries;
  // Go's %q of the HealthConfig struct, as Docker's history shows it
  const rune = `'\\x${retries.toString(16).padStart(2, '0')}'`;
  const durations = [interval, timeout, startPeriod, startInterval].map((d) => `"${formatGoDuration(d)}"`).join(' ');
  return { config: { ...config, Healthcheck: hc }, createdBy: nop(`HEALTHCHECK &{${goQuoteList(test)} ${durations} ${rune}}`) };
}
