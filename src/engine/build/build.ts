import fs from 'node:fs';
import path from 'node:path';
import { statePaths, ensureStoreDir, type StatePaths } from '../../util/paths.js';
import { MiniboxError, describe } from '../../util/errors.js';
import { shortId } from '../../oci-format/digest.js';
import { familiarName, parseReference } from '../../oci-format/reference.js';
import { findImage } from '../../image/resolve.js';
import { tagRef } from '../../image/new-image.js';
import { scratchName } from '../../image/tmp-dirs.js';
import { newContainerId } from '../../container/store.js';
import { parseDockerfile, parseTrigger, splitWords, type Instruction } from '../../build/dockerfile.js';
import { planBuild, parseFrom, stageByName, type Stage } from '../../build/plan.js';
import { BuildArgs, parseBuildArgFlags, type StageArgs } from '../../build/build-args.js';
import { expandWord, lookupOf, type Lookup } from '../../build/shell-words.js';
import { loadContext, type BuildContext } from '../../build/context.js';
import { applyMetadata, METADATA_KEYWORDS, nopLine } from '../../build/metadata.js';
import { parseJsonForm } from '../../build/dockerfile.js';
import { scratchImage, shellOf, type RuntimeConfig } from '../../build/image-state.js';
import { cacheKey, lookupCache } from '../../build/cache.js';
import { commitStep, imageState, packLayer, tagImage, type ImageState, type StepClock } from './step-image.js';
import { runStep } from './run-step.js';
import { imageTree, prepareCopy } from './copy-step.js';
import { listImageRecords, type LayerRecord } from '../../image/index-store.js';
import { samePlatform } from '../../registry/platform.js';
import type { Platform } from '../../oci-format/descriptor.js';

/**
 * `minibox build`, as Docker's classic builder: the Dockerfile's steps in order, each
 * `Step N/M : …`, each a new (untagged) image on the previous one — config-only steps
 * without a container, RUN in a container (run-step.ts), COPY/ADD staged (copy-step.ts) —
 * or the cached image of the same step on the same parent (` ---> Using cache`).
 * The result is tagged last; a failure leaves only the images of the steps that finished
 * (the cache, as in Docker), never a container, a half-stored layer or a tag.
 */
export interface BuildRequest {
  contextDir?: string; // undefined: `-` (a Dockerfile on stdin, no context)
  dockerfile: string; // its text
  tags: string[];
  buildArgs: string[]; // --build-arg K=V | K
  labels: string[]; // --label K=V
  noCache: boolean;
  pull: boolean;
  target?: string;
  network: string; // RUN's network: bridge (Docker's default) | none | host | NAME
  rm: boolean;
  forceRm: boolean;
  reproducible: boolean; // or SOURCE_DATE_EPOCH: fixed timestamps, clamped mtimes
  out: (line: string) => void; // the build's output lines (stdout)
  runOutput?: (chunk: Buffer) => void; // RUN's stdout and stderr (-q keeps them back); default: ours
  onContext?: (bytes: number) => void; // `Sending build context to Docker daemon  …`
}

export interface BuildResult {
  imageId: string;
  tags: string[]; // familiar names, as `Successfully tagged` shows them
}

interface Ctx {
  paths: StatePaths;
  req: BuildRequest;
  escape: string;
  context: BuildContext;
  args: BuildArgs;
  clock: StepClock;
  stages: Stage[];
  done: Map<number, ImageState>;
}

interface StageRun {
  state: ImageState;
  args: StageArgs;
  cmdSet: boolean;
  index: number;
}

export async function buildImage(req: BuildRequest): Promise<BuildResult> {
  const paths = statePaths();
  const tags = req.tags.map((t) => {
    // the client's flag check (reference.ParseNormalizedNamed's words), then the daemon's refusal of a digest
    let parsed;
    try {
      parsed = parseReference(t);
    } catch (err) {
      throw new MiniboxError(`invalid argument "${t}" for "-t, --tag" flag: ${describe(err)}`, 1);
    }
    if (parsed.digest !== undefined) throw new MiniboxError('build tag cannot contain a digest', 1);
    const ref = tagRef(t);
    return { ref, name: familiarName(ref) };
  });
  const plan = planBuild(parseDockerfile(req.dockerfile), req.target);
  const labels = labelInstruction(req.labels, plan.stages[plan.stages.length - 1]);
  const args = new BuildArgs(parseBuildArgFlags(req.buildArgs, process.env));
  const context = loadContext(req.contextDir);
  // `-`: Docker's client sends the Dockerfile alone, as a one-file tar
  req.onContext?.(req.contextDir === undefined ? 1536 + Math.ceil(Buffer.byteLength(req.dockerfile) / 512) * 512 : context.size);
  const ctx: Ctx = { paths, req, escape: plan.escape, context, args, clock: clockOf(req.reproducible), stages: plan.stages, done: new Map() };
  const total = plan.totalSteps + (labels ? 1 : 0);
  let n = 0;
  const header = (ins: Instruction) => req.out(`Step ${++n}/${total} : ${ins.original}`);
  for (const ins of plan.metaArgs) {
    header(ins);
    for (const [k, v] of parseArg(ins, lookupOf(args.metaEnv()), plan.escape)) args.addMeta(k, v);
  }
  let last: ImageState | undefined;
  for (const stage of plan.stages) {
    header(stage.from);
    const st = await fromStep(ctx, stage);
    for (const ins of [...stage.body, ...(labels && stage === plan.stages[plan.stages.length - 1] ? [labels] : [])]) {
      header(ins);
      await dispatch(ctx, st, ins);
    }
    ctx.done.set(stage.index, st.state);
    last = st.state;
  }
  if (!last || last.imageId === '') throw new MiniboxError('No image was generated. Is your Dockerfile empty?', 1);
  const unused = args.unconsumed();
  if (unused.length > 0) req.out(`[Warning] One or more build-args [${unused.join(' ')}] were not consumed`);
  await tagImage(paths, last, tags.map((t) => t.ref));
  return { imageId: last.imageId, tags: tags.map((t) => t.name) };
}

/** `--label K=V` flags: Docker's classic builder appends them as one more LABEL step. */
function labelInstruction(labels: readonly string[], lastStage: Stage | undefined): Instruction | undefined {
  if (labels.length === 0 || !lastStage) return undefined;
  const pairs = labels.map((l) => {
    const eq = l.indexOf('=');
    const k = eq < 0 ? l : l.slice(0, eq);
    const v = eq < 0 ? '' : l.slice(eq + 1);
    return `${JSON.stringify(k)}='${v.replace(/'/g, "'\\''")}'`;
  });
  const args = pairs.join(' ');
  return { line: 0, keyword: 'LABEL', args, original: `LABEL ${args}` };
}

function clockOf(reproducible: boolean): StepClock {
  const env = process.env.SOURCE_DATE_EPOCH;
  const epoch = env !== undefined && /^\d+$/.test(env) ? Number(env) : reproducible ? 0 : undefined;
  if (epoch === undefined) return { created: () => new Date().toISOString() };
  const fixed = new Date(epoch * 1000).toISOString().replace('.000Z', 'Z');
  return { created: () => fixed, epoch };
}

/** `ARG K[=v] …` → pairs, values expanded (Docker expands ARG defaults). */
function parseArg(ins: Instruction, lookup: Lookup, escape: string): Array<[string, string | undefined]> {
  const words = splitWords(ins.args, escape);
  if (words.length === 0) throw new MiniboxError('ARG requires at least one argument', 1);
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq === 0) throw new MiniboxError(`ARG names can not be blank`, 1);
    return eq < 0 ? [expandWord(w, lookup, escape), undefined] : [expandWord(w.slice(0, eq), lookup, escape), expandWord(w.slice(eq + 1), lookup, escape)];
  });
}

async function fromStep(ctx: Ctx, stage: Stage): Promise<StageRun> {
  const from = parseFrom(stage.from);
  const name = expandWord(from.image, lookupOf(ctx.args.metaEnv()), ctx.escape);
  const platform = from.platform !== undefined ? expandWord(from.platform, lookupOf(ctx.args.metaEnv()), ctx.escape) : undefined;
  let state: ImageState;
  const earlier = stageByName(ctx.stages, stage.index, name);
  if (name.toLowerCase() === 'scratch') {
    state = { imageId: '', img: scratchImage(), layers: [], snapshotDirs: [] };
  } else if (earlier) {
    const done = ctx.done.get(earlier.index);
    if (!done) throw new MiniboxError(`stage ${name} has not been built`, 1);
    state = done;
  } else {
    state = await imageState(ctx.paths, await baseImage(ctx, name, platform));
  }
  if (state.imageId !== '') ctx.req.out(` ---> ${shortId(state.imageId)}`);
  const st: StageRun = { state, args: ctx.args.stage(), cmdSet: false, index: stage.index };
  const triggers = state.img.config.OnBuild ?? [];
  if (triggers.length > 0) {
    // triggers run once, in the image built on it: its children do not inherit them
    st.state = { ...state, img: { ...state.img, config: { ...state.img.config, OnBuild: null } } };
    ctx.req.out(`# Executing ${triggers.length} build trigger${triggers.length > 1 ? 's' : ''}`);
    for (const t of triggers) await dispatch(ctx, st, parseTrigger(t, stage.from.line));
  }
  return st;
}

async function baseImage(ctx: Ctx, name: string, platform: string | undefined): Promise<string> {
  // name@sha256:… of an image loaded rather than pulled: its manifest digest is in its record only
  const digest = /@(sha256:[0-9a-f]{64})$/.exec(name)?.[1];
  const byDigest = digest && !ctx.req.pull ? (await listImageRecords(ctx.paths)).find((r) => r.manifestDigest === digest) : undefined;
  if (byDigest) return byDigest.id;
  const { ensureImage } = await import('../pull.js');
  try {
    let pull = ctx.req.pull;
    if (!pull && platform !== undefined) {
      // Docker's daemon takes a local image for FROM --platform only when it is of that platform; else it pulls
      const local = await findImage(ctx.paths, name);
      const { parsePlatform } = await import('../../image/pull/index.js');
      if (local && !(await ofPlatform(ctx.paths, local.imageId, parsePlatform(platform)))) pull = true;
    }
    await ensureImage({ image: name, pull: pull ? 'always' : 'missing', ...(platform !== undefined ? { platform } : {}) }, ctx.paths);
  } catch (err) {
    throw new MiniboxError(err instanceof Error ? err.message : String(err), 1, { cause: err });
  }
  const found = await findImage(ctx.paths, name);
  if (!found) throw new MiniboxError(`No such image: ${name}`, 1);
  return found.imageId;
}

/** Whether a stored image is of the platform asked for (os, architecture and variant, normalised as containerd's strict matcher). */
async function ofPlatform(paths: StatePaths, imageId: string, want: Platform): Promise<boolean> {
  const { img } = await imageState(paths, imageId);
  const variant = typeof img.base['variant'] === 'string' ? img.base['variant'] : undefined;
  return samePlatform({ os: img.os, architecture: img.architecture, ...(variant ? { variant } : {}) }, want);
}

/** What `$VAR` sees in this stage: the build args in scope, the image's ENV over them. */
function stageLookup(st: StageRun): Lookup {
  const env = st.state.img.config.Env ?? [];
  return lookupOf([...st.args.forRun(env).env, ...env]);
}

/**
 * A step's cached image, or the one `make` produces; either way the stage moves on to it.
 * `nop` steps (metadata only) print the intermediate container Docker's classic builder
 * creates and commits for them: no process needs to run for a config change, so none is
 * made, but the id printed is a fresh container id, as Docker's output reads.
 */
async function step(ctx: Ctx, st: StageRun, s: { createdBy: string; config: RuntimeConfig; author?: string; extra?: object; nop?: boolean }, make?: (key: string) => Promise<LayerRecord | undefined>): Promise<void> {
  const key = cacheKey({ parent: st.state.imageId, createdBy: s.createdBy, config: s.config, author: s.author ?? st.state.img.author ?? '', extra: s.extra ?? {} });
  const hit = ctx.req.noCache ? undefined : await lookupCache(ctx.paths, key);
  if (hit) {
    ctx.req.out(' ---> Using cache');
    st.state = await imageState(ctx.paths, hit);
  } else {
    const intermediate = s.nop === true ? newContainerId() : undefined;
    if (intermediate !== undefined) ctx.req.out(` ---> Running in ${shortId(intermediate)}`);
    const layer = make ? await make(key) : undefined;
    st.state = await commitStep(ctx.paths, st.state, { config: s.config, createdBy: s.createdBy, ...(s.author !== undefined ? { author: s.author } : {}), ...(layer ? { layer } : {}), cacheKey: key }, ctx.clock);
    if (intermediate !== undefined) ctx.req.out(` ---> Removed intermediate container ${shortId(intermediate)}`);
  }
  ctx.req.out(` ---> ${shortId(st.state.imageId)}`);
}

async function dispatch(ctx: Ctx, st: StageRun, ins: Instruction): Promise<void> {
  const config = st.state.img.config;
  if (ins.keyword === 'ARG') {
    const pairs = parseArg(ins, stageLookup(st), ctx.escape);
    for (const [k, v] of pairs) st.args.declare(k, v);
    const line = `ARG ${pairs.map(([k, v]) => (v === undefined ? k : `${k}=${v}`)).join(' ')}`;
    return step(ctx, st, { createdBy: nopLine(config, line), config, nop: true });
  }
  if (ins.keyword === 'RUN') return runInstruction(ctx, st, ins);
  if (ins.keyword === 'COPY' || ins.keyword === 'ADD') return copyInstruction(ctx, st, ins);
  if (!METADATA_KEYWORDS.has(ins.keyword)) throw new MiniboxError(`dockerfile parse error line ${ins.line}: ${ins.keyword} is not allowed here`, 1);
  const r = applyMetadata(ins, config, { escape: ctx.escape, lookup: stageLookup(st), cmdSet: st.cmdSet });
  if (r.cmdSet) st.cmdSet = true;
  const base = { createdBy: r.createdBy, config: r.config, nop: true, ...(r.author !== undefined ? { author: r.author } : {}) };
  if (ins.keyword !== 'WORKDIR' || !r.config.WorkingDir) return step(ctx, st, base);
  const dir = r.config.WorkingDir;
  if (imageTree(st.state.snapshotDirs).stat(dir.slice(1))?.type === 'dir' || dir === '/') return step(ctx, st, base);
  // WORKDIR creates its directory (root's, 0755), as Docker does: a layer with just that dir
  return step(ctx, st, base, () => withScratchDir(ctx.paths, (tmp) => packLayer(ctx.paths, st.state, tmp, { kind: 'plain', prefix: dir, ...(ctx.clock.epoch !== undefined ? { epoch: ctx.clock.epoch } : {}) })));
}

async function withScratchDir<T>(paths: StatePaths, fn: (dir: string) => Promise<T>): Promise<T> {
  ensureStoreDir(paths, paths.tmp);
  const dir = path.join(paths.tmp, scratchName('build-stage'));
  fs.mkdirSync(dir, { mode: 0o755 });
  fs.chmodSync(dir, 0o755);
  try {
    return await fn(dir);
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}

async function runInstruction(ctx: Ctx, st: StageRun, ins: Instruction): Promise<void> {
  const config = st.state.img.config;
  const json = parseJsonForm(ins.args);
  const argv = json ?? [...shellOf(config), ins.args];
  if (argv.length === 0 || (json === undefined && ins.args.trim() === '')) throw new MiniboxError('RUN requires at least one argument', 1);
  const { env, prefix } = st.args.forRun(config.Env ?? []);
  const createdBy = [...prefix, ...argv].join(' ');
  await step(ctx, st, { createdBy, config }, () =>
    runStep(ctx.paths, {
      parent: st.state,
      argv,
      env,
      network: ctx.req.network,
      keepContainer: !ctx.req.rm && !ctx.req.forceRm,
      keepFailed: !ctx.req.rm && !ctx.req.forceRm,
      out: ctx.req.out,
      ...(ctx.req.runOutput ? { runOutput: ctx.req.runOutput } : {}),
      ...(ctx.clock.epoch !== undefined ? { epoch: ctx.clock.epoch } : {}),
    }),
  );
}

async function copyInstruction(ctx: Ctx, st: StageRun, ins: Instruction): Promise<void> {
  const prepared = await prepareCopy(ctx.paths, {
    ins,
    escape: ctx.escape,
    lookup: stageLookup(st),
    parent: st.state,
    context: ctx.context.tree,
    fromTree: async (ref) => {
      const stage = stageByName(ctx.stages, st.index, ref);
      const done = stage ? ctx.done.get(stage.index) : undefined;
      if (stage && !done) throw new MiniboxError(`stage ${ref} has not been built`, 1);
      return imageTree((done ?? (await imageState(ctx.paths, await baseImage(ctx, ref, undefined)))).snapshotDirs);
    },
  });
  try {
    await step(ctx, st, { createdBy: prepared.createdBy, config: st.state.img.config, extra: prepared.extra }, () =>
      withScratchDir(ctx.paths, async (dir) => {
        await prepared.stage(dir);
        return packLayer(ctx.paths, st.state, dir, { kind: 'plain', prefix: prepared.prefix, ...(ctx.clock.epoch !== undefined ? { epoch: ctx.clock.epoch } : {}) });
      }),
    );
  } finally {
    await prepared.cleanup();
  }
}
