import { accessSync, constants, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { labCannotRun, type Engine } from './steps-file.js';
import { hasCommand, shellLine } from './shell.js';

/**
 * The engines a lab runs with: the command each step's `$ENGINE` is (overridable with
 * MINIBOX, PODMAN, DOCKER), the flags `$RUN_FLAGS` adds on this host (PODMAN_RUN_FLAGS), the
 * two ports, a scratch `$WORK`, and the offline busybox image loaded when the engine lacks
 * it (removed again at the end).
 */

export interface LabEngine {
  engine: Engine;
  command: string; // a shell line's words: "podman --runtime runc"
  runFlags: string;
  port: number; // $PORT; $PORT2 is the next
  work: string;
  loaded?: string; // the image the runner loaded, removed at the end
}

export interface EngineContext {
  checkout: string;
  workRoot: string;
  labDir: string;
  /** Set for every step (podman's registries.conf when the lab pushes to LAB_REGISTRY). */
  env: NodeJS.ProcessEnv;
}

export function busyboxLayout(checkout: string): string {
  return path.join(checkout, 'images', 'busybox', 'out', 'busybox-oci');
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function minibox(checkout: string): string {
  if (process.env.MINIBOX) return process.env.MINIBOX;
  const own = path.join(checkout, 'bin', 'minibox');
  if (executable(own)) return own;
  if (hasCommand('minibox')) return 'minibox';
  throw labCannotRun('minibox not found: run ./scripts/setup.sh, or set MINIBOX');
}

/** The engine's command and flags; refuses one that is not there. */
function commandOf(engine: Engine, checkout: string): { command: string; runFlags: string } {
  switch (engine) {
    case 'minibox':
      return { command: minibox(checkout), runFlags: '' };
    case 'podman':
      if (!hasCommand('podman')) throw labCannotRun('podman is not installed (apt-get install podman runc)');
      // runc: crun refuses hybrid cgroup hosts like this one; the limits: podman's default
      // ulimits are above what this host grants, so runc could not set them
      return {
        command: process.env.PODMAN || `podman${hasCommand('runc') ? ' --runtime runc' : ''}`,
        runFlags: process.env.PODMAN_RUN_FLAGS || '--ulimit nofile=1024:1024 --ulimit nproc=1000:1000',
      };
    case 'docker':
      if (!hasCommand('docker')) throw labCannotRun('docker is not installed');
      if (shellLine('docker info >/dev/null 2>&1').status !== 0) {
        throw labCannotRun("docker is installed but its daemon does not answer ('docker info' failed)");
      }
      return { command: process.env.DOCKER || 'docker', runFlags: '' };
  }
}

/** Ready to run steps: its command found, its $WORK made, busybox in its store. */
export function initEngine(engine: Engine, port: number, ctx: EngineContext): LabEngine {
  const e: LabEngine = { engine, ...commandOf(engine, ctx.checkout), port, work: path.join(ctx.workRoot, engine) };
  mkdirSync(e.work, { recursive: true });
  if (engine === 'podman') podmanRegistryConf(e, ctx);
  ensureBusybox(e, ctx);
  return e;
}

/**
 * podman reads which registries may be plain HTTP from registries.conf; the lab's registry
 * is one (Docker and minibox allow HTTP to 127.0.0.0/8 on their own).
 */
function podmanRegistryConf(e: LabEngine, ctx: EngineContext): void {
  const registry = process.env.LAB_REGISTRY;
  if (!registry) return;
  const conf = path.join(e.work, '..', 'podman-registries.conf');
  writeFileSync(conf, `unqualified-search-registries = ["docker.io"]\n\n[[registry]]\nlocation = "${registry}"\ninsecure = true\n`);
  ctx.env.CONTAINERS_REGISTRIES_CONF = conf;
}

/** Every lab runs busybox: the offline image of images/busybox, loaded when the engine lacks it. */
function ensureBusybox(e: LabEngine, ctx: EngineContext): void {
  const c = e.command;
  const layout = busyboxLayout(ctx.checkout);
  const env = { ...process.env, ...ctx.env };
  const present = e.engine === 'podman' ? `${c} image exists busybox` : `${c} image inspect busybox >/dev/null 2>&1`;
  if (shellLine(present, { env }).status === 0) return;
  if (!existsSync(path.join(layout, 'index.json'))) throw labCannotRun(`no busybox image: run ./scripts/setup.sh (it builds ${layout})`);
  const q = shellQuote(layout);
  switch (e.engine) {
    case 'minibox':
      if (shellLine(`${c} load -q -i ${q} >/dev/null`, { env }).status !== 0) throw labCannotRun(`minibox could not load ${layout}`);
      e.loaded = 'busybox';
      return;
    case 'podman': {
      // podman's oci: transport names the image after the path, which must be lowercase
      // (a checkout under /tmp/ci-AbC123/ is not): pull through a lowercase symlink
      const alias = `/tmp/mbx-podman-${process.pid}`;
      rmSync(alias, { force: true });
      symlinkSync(layout, alias);
      const pulled = shellLine(`${c} pull -q oci:${alias} | tail -n 1`, { env });
      rmSync(alias, { force: true });
      const id = pulled.stdout.trim();
      if (pulled.status !== 0 || !/^[0-9a-f]+$/.test(id)) throw labCannotRun(`podman could not pull oci:${layout}`);
      if (shellLine(`${c} untag ${id} && ${c} tag ${id} localhost/busybox:latest`, { env }).status !== 0) {
        throw labCannotRun(`podman could not tag ${id} as busybox`);
      }
      e.loaded = 'localhost/busybox:latest';
      return;
    }
    case 'docker':
      if (shellLine(`tar -C ${q} -cf - . | ${c} load -q >/dev/null`, { env }).status !== 0) throw labCannotRun(`docker could not load ${layout}`);
      e.loaded = 'busybox:latest';
      return;
  }
}

export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The variables a step sees for one engine. */
export function engineEnv(e: LabEngine, ctx: EngineContext): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...ctx.env,
    ENGINE: e.command,
    RUN_FLAGS: e.runFlags,
    ME: e.engine,
    PORT: String(e.port),
    PORT2: String(e.port + 1),
    WORK: e.work,
    LAB_DIR: ctx.labDir,
  };
}

/**
 * What the lab made, removed: its cleanup: lines for each engine used (last first), errors
 * ignored, then the busybox the runner loaded. Runs also after a failure or an interrupt.
 */
export function cleanUp(engines: LabEngine[], cleanup: string[], ctx: EngineContext): void {
  for (const e of [...engines].reverse()) {
    const env = engineEnv(e, ctx);
    for (const line of cleanup) {
      shellLine(`timeout --foreground -k 5 60 bash -c ${shellQuote(line)} </dev/null >/dev/null 2>&1`, { env, cwd: ctx.labDir });
    }
    if (e.loaded) shellLine(`${e.command} rmi ${e.loaded} </dev/null >/dev/null 2>&1`, { env });
  }
}
