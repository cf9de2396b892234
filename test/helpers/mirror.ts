import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { minibox } from './minibox.js';
import { freePort, removeDirOnExit } from './registry-lab/lifecycle.js';
import { startRegistry, type LabRegistry } from './registry-lab/index.js';

/**
 * A docker.io mirror for the tests: the lab registry (Debian's docker-registry behind the
 * token server) that images are pushed into as `library/<name>:<tag>` with `minibox push`,
 * a configuration file naming it in `registry-mirrors`, and a Docker Hub stand-in on a
 * port nobody listens on, so `minibox pull mysql` is served by the mirror and a miss can
 * never reach the internet. Use:
 *
 *   const mirror = await startMirror();
 *   await mirror.publish(rootWithTheImage, 'mysql-standin:latest', 'library/mysql:latest');
 *   await minibox(['pull', 'mysql'], { root, env: mirror.env() });   // docker.io/library/mysql:latest
 *   await mirror.stop();
 *
 * or `withMirror(root, [['mysql-standin:latest', 'library/mysql:latest']], (env) => …)`.
 */
const PUSHER = { username: 'mirror-admin', password: 'mirror-s3cret' };

export interface MirrorEnvOptions {
  /** The registry-mirrors list; default: just this mirror. */
  mirrors?: string[];
  /** Raw file content instead of a generated one (to test a bad file). */
  configText?: string;
}

export interface MirrorLab {
  registry: LabRegistry;
  /** `http://127.0.0.1:<port>`, as it goes into registry-mirrors. */
  url: string;
  /** `http://127.0.0.1:<port>` where nothing listens: a mirror that is down, and Hub's stand-in. */
  deadUrl: string;
  /** Tag `image` (in `root`) as `<mirror>/<repoTag>` and push it there; repoTag like `library/busybox:latest`. */
  publish(root: string, image: string, repoTag: string): Promise<void>;
  /** Env for minibox: MINIBOX_CONFIG (a fresh file), MINIBOX_DOCKER_HUB_URL (dead), an empty DOCKER_CONFIG. */
  env(opts?: MirrorEnvOptions): Record<string, string>;
  stop(): Promise<void>;
}

export async function startMirror(): Promise<MirrorLab> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'minibox-test-mirror-'));
  const unhook = removeDirOnExit(dir);
  let registry: LabRegistry | undefined;
  try {
    registry = await startRegistry({ auth: { users: { [PUSHER.username]: PUSHER.password } } });
    const lab = registry;
    const url = `http://${lab.host}`;
    const deadUrl = `http://127.0.0.1:${await freePort()}`;
    const pusherConfig = path.join(dir, 'pusher-docker-config');
    const anonymous = path.join(dir, 'anonymous-docker-config');
    let files = 0;
    const run = async (root: string, args: string[], input?: string): Promise<void> => {
      const r = await minibox(args, { root, env: { DOCKER_CONFIG: pusherConfig }, timeoutMs: 300_000, ...(input !== undefined ? { input } : {}) });
      if (r.code !== 0) throw new Error(`minibox ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
    };
    return {
      registry: lab,
      url,
      deadUrl,
      async publish(root, image, repoTag) {
        const target = `${lab.host}/${repoTag}`;
        await run(root, ['login', '-u', PUSHER.username, '--password-stdin', lab.host], `${PUSHER.password}\n`);
        await run(root, ['tag', image, target]);
        await run(root, ['push', '-q', target]);
        await run(root, ['rmi', target]); // the tag was only a way to push; the image stays under its own name
      },
      env(opts = {}) {
        const file = path.join(dir, `config-${++files}.json`);
        writeFileSync(file, opts.configText ?? JSON.stringify({ 'registry-mirrors': opts.mirrors ?? [url] }));
        return { MINIBOX_CONFIG: file, MINIBOX_DOCKER_HUB_URL: deadUrl, DOCKER_CONFIG: anonymous };
      },
      async stop() {
        await lab.stop();
        rmSync(dir, { recursive: true, force: true });
        unhook();
      },
    };
  } catch (err) {
    await registry?.stop();
    rmSync(dir, { recursive: true, force: true });
    unhook();
    throw err;
  }
}

/** Publish `images` ([local name, library/<name>:<tag>]) from `root` to a fresh mirror, run `fn` with its env, stop it. */
export async function withMirror<T>(root: string, images: Array<[string, string]>, fn: (env: Record<string, string>, mirror: MirrorLab) => Promise<T>): Promise<T> {
  const mirror = await startMirror();
  try {
    for (const [image, repoTag] of images) await mirror.publish(root, image, repoTag);
    return await fn(mirror.env(), mirror);
  } finally {
    await mirror.stop();
  }
}
