import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { MINIBOX_BIN, minibox, type Result } from '../helpers/minibox.js';
import { useBusyboxRoot } from '../helpers/busybox-root.js';

/**
 * `minibox build` with busybox, as a user sees it: Docker's classic-builder output, the
 * instructions' effect on the image (run it and look), multi-stage, .dockerignore, ONBUILD,
 * the layer cache (hit, miss from a changed file on, --no-cache) and the failures that must
 * leave the store as it was. RUN steps use `--network none`: nothing here needs a network.
 */
let root = '';
useBusyboxRoot((r) => (root = r));
const mb = (args: string[], input?: string) => minibox(args, { root, timeoutMs: 120_000, ...(input !== undefined ? { input } : {}) });
const build = (ctx: string, ...flags: string[]) => mb(['build', '--network', 'none', ...flags, ctx]);

let ctx = '';
beforeEach(() => {
  ctx = fs.mkdtempSync(path.join(os.tmpdir(), 'mbx-build-ctx-'));
});
afterEach(() => fs.rmSync(ctx, { recursive: true, force: true }));

function put(rel: string, text: string, mode = 0o644): void {
  fs.mkdirSync(path.dirname(path.join(ctx, rel)), { recursive: true });
  fs.writeFileSync(path.join(ctx, rel), text, { mode });
}

function ok(r: Result): Result {
  if (r.code !== 0) throw new Error(`exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return r;
}

function builtId(r: Result): string {
  const m = /^Successfully built ([0-9a-f]{12})$/m.exec(r.stdout);
  if (!m?.[1]) throw new Error(`no "Successfully built" in:\n${r.stdout}`);
  return m[1];
}

const run = async (...args: string[]) => ok(await mb(['run', '--rm', '--network', 'none', ...args])).stdout;

/** Everything in the store but its scratch and lock files: what a failed build must not change. */
function storeListing(): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (p === 'tmp' || p === 'locks') continue;
      out.push(p);
      if (e.isDirectory() && !p.startsWith('snapshots/')) walk(p); // a new snapshot shows by its name
    }
  };
  walk('');
  return out.sort();
}

const containerCount = () => (fs.existsSync(path.join(root, 'containers')) ? fs.readdirSync(path.join(root, 'containers')).length : 0);

const LECTURE_LIKE = `# a Dockerfile with most instructions
ARG BASE=busybox
FROM \${BASE}
MAINTAINER Kimbro Staken version: 0.1
ARG GREETING=hello
ENV APACHE_RUN_USER www-data
ENV APACHE_LOG_DIR=/var/log/apache2 WHO="the \\
    lecture"
RUN echo "$GREETING from $WHO" && mkdir -p /var/www/html \\
 && echo made > /var/www/made
WORKDIR /app
COPY . ./
ADD ./index.html /var/www/html/
COPY --chown=1000:1000 --chmod=0700 index.html /owned.html
LABEL version="\${GREETING:-none}-1" empty="\${UNSET:+alt}"
EXPOSE 80 443/udp
VOLUME /data
USER nobody
STOPSIGNAL SIGQUIT
HEALTHCHECK --interval=30s CMD true
CMD ["/bin/sh", "-c", "echo $APACHE_RUN_USER $APACHE_LOG_DIR $WHO; pwd; id -u"]
`;

describe('minibox build', () => {
  it('builds a Dockerfile with most instructions, printing what Docker\'s classic builder prints', async () => {
    put('Dockerfile', LECTURE_LIKE);
    put('index.html', '<h1>hi</h1>\n');
    put('notes.log', 'ignored\n');
    put('keep/a.txt', 'a\n');
    put('.dockerignore', '*.log\nDockerfile\n');
    const r = ok(await build(ctx, '-t', 'lecture:1', '--build-arg', 'UNUSED=1'));
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^Sending build context to Docker daemon {2}\d+(\.\d+)?k?B$/);
    expect(lines).toContain('Step 1/18 : ARG BASE=busybox');
    expect(lines).toContain('Step 2/18 : FROM ${BASE}');
    expect(r.stdout).toMatch(/Step 7\/18 : RUN echo "\$GREETING from \$WHO" && mkdir -p \/var\/www\/html  && echo made > \/var\/www\/made\n ---> Running in ([0-9a-f]{12})\nhello from the     lecture\n ---> Removed intermediate container \1\n ---> [0-9a-f]{12}\n/);
    expect(r.stdout).toMatch(/\[Warning\] One or more build-args \[UNUSED\] were not consumed\nSuccessfully built [0-9a-f]{12}\nSuccessfully tagged lecture:1\n$/);
    expect(containerCount()).toBe(0);

    // the image does what the instructions said
    expect(await run('lecture:1')).toBe('www-data /var/log/apache2 the lecture\n/app\n65534\n'); // sh splits the unquoted $WHO
    const files = await run('-u', '0', 'lecture:1', 'sh', '-c', 'ls -A /app; cat /var/www/html/index.html /var/www/made; stat -c "%u:%g %a" /owned.html /app/index.html');
    expect(files).toBe('.dockerignore\nindex.html\nkeep\n<h1>hi</h1>\nmade\n1000:1000 700\n0:0 644\n');

    // the metadata instructions' config, as `image inspect` shows it
    const [image] = JSON.parse(ok(await mb(['image', 'inspect', 'lecture:1'])).stdout) as Array<{ Author: string; Config: Record<string, unknown> }>;
    expect(image?.Author).toBe('Kimbro Staken version: 0.1');
    expect(image?.Config).toMatchObject({
      User: 'nobody',
      WorkingDir: '/app',
      StopSignal: 'SIGQUIT',
      Healthcheck: { Test: ['CMD-SHELL', 'true'], Interval: 30_000_000_000 },
      Volumes: { '/data': {} },
      ExposedPorts: { '80/tcp': {}, '443/udp': {} },
      Labels: { version: 'hello-1', empty: '' },
    });

    const history = ok(await mb(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'lecture:1'])).stdout.split('\n');
    expect(history).toContain('/bin/sh -c #(nop)  MAINTAINER Kimbro Staken version: 0.1');
    expect(history).toContain('/bin/sh -c #(nop)  ENV APACHE_RUN_USER=www-data');
    expect(history).toContain('|1 GREETING=hello /bin/sh -c echo "$GREETING from $WHO" && mkdir -p /var/www/html  && echo made > /var/www/made');
    expect(history).toContain('/bin/sh -c #(nop)  LABEL version=hello-1 empty=');
    expect(history).toContain('/bin/sh -c #(nop)  CMD ["/bin/sh" "-c" "echo $APACHE_RUN_USER $APACHE_LOG_DIR $WHO; pwd; id -u"]');
    expect(history.some((h) => /^\/bin\/sh -c #\(nop\) ADD file:[0-9a-f]{64} in \/var\/www\/html\/ $/.test(h))).toBe(true);
    expect(history.some((h) => /^\/bin\/sh -c #\(nop\) COPY dir:[0-9a-f]{64} in \.\/ $/.test(h))).toBe(true);
    // images lists the result, not the intermediate step images
    const images = ok(await mb(['images'])).stdout;
    expect(images).toMatch(/^lecture +1 /m);
    expect(images).not.toMatch(/<none>/);
  });

  it('a second build of an unchanged context is all cache: no container, the same image', async () => {
    put('Dockerfile', 'FROM busybox\nENV A=1\nRUN echo ran > /ran\nCOPY f.txt /f.txt\nRUN cat /f.txt\nCMD ["cat", "/f.txt"]\n');
    put('f.txt', 'one\n');
    const first = builtId(ok(await build(ctx, '-t', 'cached:1')));
    const again = ok(await build(ctx, '-t', 'cached:1'));
    expect(again.stdout.match(/ ---> Using cache/g)).toHaveLength(5);
    expect(again.stdout).not.toContain('Running in');
    expect(containerCount()).toBe(0);
    expect(builtId(again)).toBe(first);

    // touching the file (mtime only) still hits; a content change rebuilds from the COPY on
    fs.utimesSync(path.join(ctx, 'f.txt'), new Date(2000, 0, 1), new Date(2000, 0, 1));
    expect(builtId(ok(await build(ctx, '-t', 'cached:1')))).toBe(first);
    put('f.txt', 'two\n');
    const changed = ok(await build(ctx, '-t', 'cached:1'));
    const steps = changed.stdout.split(/^Step /m).slice(1);
    expect(steps.map((s) => s.includes('Using cache'))).toEqual([false, true, true, false, false, false]);
    expect(changed.stdout).toContain('two\n');
    expect(builtId(changed)).not.toBe(first);
    expect(await run('cached:1')).toBe('two\n');

    const nocache = ok(await build(ctx, '--no-cache', '-t', 'cached:1'));
    expect(nocache.stdout).not.toContain('Using cache');
    expect(nocache.stdout.match(/Running in/g)).toHaveLength(4); // the two RUNs, and ENV and CMD's committed (nop) containers
  });

  it("rmi of a built image deletes its untagged intermediates too, but not a parent another built image still has", async () => {
    const records = () => fs.readdirSync(path.join(root, 'images', 'by-id')).length;
    const stepIds = (r: Result) => [...r.stdout.matchAll(/^ ---> ([0-9a-f]{12})$/gm)].map((m) => m[1] ?? '');
    const before = records(); // busybox
    put('Dockerfile', 'FROM busybox\nENV RMI_CHAIN=1\nRUN echo one > /one\nRUN echo two > /two\n');
    const [, shared, middle, final] = stepIds(ok(await build(ctx, '-t', 'chain:1')));
    put('Dockerfile', 'FROM busybox\nENV RMI_CHAIN=1\nRUN echo other > /other\n'); // ENV RMI_CHAIN=1 from the cache: the same step image
    const [, sharedAgain, other] = stepIds(ok(await build(ctx, '-t', 'other:1')));
    expect(sharedAgain).toBe(shared);
    expect(records()).toBe(before + 4);

    const rmi = ok(await mb(['rmi', 'chain:1']));
    expect(rmi.stdout).toMatch(new RegExp(`^Untagged: chain:1\nDeleted: sha256:${final}[0-9a-f]{52}\n`));
    expect(rmi.stdout).toMatch(new RegExp(`^Deleted: sha256:${middle}[0-9a-f]{52}$`, 'm'));
    expect(rmi.stdout).not.toContain(`sha256:${shared}`);
    expect(records()).toBe(before + 2);
    expect(await run('other:1', 'cat', '/other')).toBe('other\n');

    const last = ok(await mb(['rmi', 'other:1']));
    expect(last.stdout).toMatch(new RegExp(`^Deleted: sha256:${other}[0-9a-f]{52}$`, 'm'));
    expect(last.stdout).toMatch(new RegExp(`^Deleted: sha256:${shared}[0-9a-f]{52}$`, 'm'));
    expect(records()).toBe(before);
    expect(await run('busybox', 'echo', 'base stays')).toBe('base stays\n');
  });

  it('multi-stage: the final image FROM scratch holds only the artefact', async () => {
    put('Dockerfile', 'FROM busybox AS build\nRUN mkdir /out && cp /bin/busybox /out/tool && echo junk > /junk\nFROM scratch\nCOPY --from=build /out/tool /busybox\nENTRYPOINT ["/busybox"]\n');
    ok(await build(ctx, '-t', 'artefact:1'));
    expect(await run('artefact:1', 'echo', 'from scratch')).toBe('from scratch\n');
    const listing = (await run('artefact:1', 'ls', '/')).split('\n');
    expect(listing).toContain('busybox');
    expect(listing).not.toContain('junk');
    expect(listing).not.toContain('bin');
    const history = ok(await mb(['history', '-q', 'artefact:1'])).stdout.trim().split('\n');
    expect(history).toHaveLength(2); // the COPY and the ENTRYPOINT: nothing of busybox
  });

  it('--target stops at a stage; ARG and ENV substitution across stages', async () => {
    put('Dockerfile', [
      'ARG TAG=latest',
      'FROM busybox:${TAG} AS one',
      'ARG TAG',
      'ARG V=${TAG}-default',
      'ENV E=${V:-unset} F=${NOPE:-fallback} G=${V:+set} H=\\$V',
      'RUN echo "tag=$TAG v=$V e=$E f=$F g=$G h=$H"',
      'FROM one AS two',
      'RUN echo "second stage: v=[$V] e=$E"',
      'FROM two',
      'RUN false',
      '',
    ].join('\n'));
    const r = ok(await build(ctx, '--target', 'two', '--build-arg', 'V=given', '-t', 'target:1'));
    expect(r.stdout).toContain('tag=latest v=given e=given f=fallback g=set h=$V\n');
    expect(r.stdout).toContain('second stage: v=[] e=given\n');
    expect(r.stdout).toContain('Step 8/8 : RUN echo');
    expect(r.stdout).not.toContain('RUN false');
  });

  it('FROM by digest, with --platform, and FROM an earlier stage', async () => {
    const records = fs.readdirSync(path.join(root, 'images', 'by-id')).map((f) => JSON.parse(fs.readFileSync(path.join(root, 'images', 'by-id', f), 'utf8')) as { id: string; manifestDigest: string });
    const busybox = (await mb(['images', '--no-trunc'])).stdout.split('\n').find((l) => l.startsWith('busybox '))?.split(/\s+/)[2];
    const digest = records.find((r) => r.id === busybox)?.manifestDigest;
    expect(digest).toMatch(/^sha256:/);
    put('Dockerfile', `FROM --platform=linux/amd64 busybox@${digest} AS base\nRUN echo one > /one\nFROM base\nRUN cat /one\n`);
    const r = ok(await build(ctx));
    expect(r.stdout).toContain(` ---> ${(busybox ?? '').replace('sha256:', '').slice(0, 12)}\n`);
    expect(r.stdout).toContain('one\n');

    // a local image of another platform is not the one FROM --platform asks for: Docker pulls it
    const arch = ok(await mb(['image', 'inspect', '--format', '{{.Architecture}}', 'busybox'])).stdout.trim();
    ok(await mb(['tag', 'busybox', '127.0.0.1:1/plat/bb:1']));
    put('Dockerfile', `FROM --platform=linux/${arch === 'amd64' ? 'arm64' : 'amd64'} 127.0.0.1:1/plat/bb:1\nLABEL plat=other\n`);
    const other = await build(ctx);
    expect([other.code, other.stderr.trim()]).toEqual([1, 'minibox: error contacting 127.0.0.1:1: connection refused']);
    put('Dockerfile', `FROM --platform=linux/${arch} 127.0.0.1:1/plat/bb:1\nLABEL plat=same\n`);
    ok(await build(ctx));
    put('Dockerfile', 'FROM --platform=linux 127.0.0.1:1/plat/bb:1\n');
    const bad = await build(ctx);
    expect([bad.code, bad.stderr.trim()]).toEqual([1, 'minibox: "linux": unknown operating system or architecture: invalid argument']);
  });

  it("RUN is on Docker's default bridge network unless --network says otherwise", async () => {
    put('Dockerfile', 'FROM busybox\nRUN ls /sys/class/net | sort | tr "\\n" " "; echo; ip route | grep -c "^default via"\n');
    const bridged = ok(await mb(['build', '--no-cache', ctx]));
    expect(bridged.stdout).toContain('\neth0 lo \n1\n');
    const none = await build(ctx, '--no-cache'); // --network none: only lo, no default route, so grep -c fails
    expect(none.code).toBe(1);
    expect(none.stdout).toContain('\nlo \n0\n');
    expect(containerCount()).toBe(0);
  });

  it("streams RUN's output as the command writes it, not when the step ends", async () => {
    put('Dockerfile', 'FROM busybox\nRUN echo early-line; sleep 2; echo late-line\n');
    const child = spawn(process.execPath, ['--', MINIBOX_BIN, 'build', '--network', 'none', ctx], { env: { ...process.env, MINIBOX_ROOT: root }, stdio: ['ignore', 'pipe', 'pipe'] });
    const seen: Record<string, number> = {};
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      for (const w of ['early-line', 'late-line']) if (seen[w] === undefined && out.includes(`\n${w}\n`)) seen[w] = Date.now(); // a line of its own, not the Step line
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, out).toBe(0);
    expect((seen['late-line'] ?? 0) - (seen['early-line'] ?? Infinity)).toBeGreaterThanOrEqual(1500);
  });

  it('--reproducible gives the same image from two uncached builds; --label is one more step; --rm=false keeps the container', async () => {
    put('Dockerfile', 'FROM busybox\nRUN echo x > /x && mkdir /d\nCOPY f /f\n');
    put('f', 'f\n');
    const a = builtId(ok(await build(ctx, '--no-cache', '--reproducible')));
    const b = builtId(ok(await build(ctx, '--no-cache', '--reproducible')));
    expect(b).toBe(a);
    const labelled = ok(await build(ctx, '--label', 'team=lab', '-t', 'labelled:1'));
    expect(labelled.stdout).toContain('Step 4/4 : LABEL "team"=\'lab\'\n');
    const history = ok(await mb(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'labelled:1'])).stdout;
    expect(history.split('\n')[0]).toBe('/bin/sh -c #(nop)  LABEL team=lab');
    // `--rm CONTEXT` (commander would take the context for --rm's value): all cache, the same image
    expect(builtId(ok(await mb(['build', '--network', 'none', '--rm', ctx])))).toBe(a);
    const kept = ok(await build(ctx, '--no-cache', '--rm=false'));
    expect(kept.stdout).toMatch(/ ---> Running in [0-9a-f]{12}\n/);
    expect(kept.stdout).not.toContain('Removed intermediate container');
    expect(containerCount()).toBe(1);
  });

  it('SOURCE_DATE_EPOCH: two uncached builds store byte-identical layer blobs and manifests, times at the epoch', async () => {
    put('Dockerfile', 'FROM busybox\nRUN mkdir -p /epoch/d && echo x > /epoch/d/x && ln -s x /epoch/d/l\nWORKDIR /epoch/new\nCOPY f /epoch/f\n');
    put('f', 'f\n');
    const epochBuild = async () => builtId(ok(await minibox(['build', '--network', 'none', '--no-cache', ctx], { root, timeoutMs: 120_000, env: { SOURCE_DATE_EPOCH: '1700000000' } })));
    const record = (short: string) => {
      const file = fs.readdirSync(path.join(root, 'images', 'by-id')).find((f) => f.startsWith(short)) ?? '';
      return JSON.parse(fs.readFileSync(path.join(root, 'images', 'by-id', file), 'utf8')) as { id: string; manifestDigest: string; layers: Array<{ digest: string }> };
    };
    const a = record(await epochBuild());
    const b = record(await epochBuild());
    expect(b.id).toBe(a.id);
    expect(b.manifestDigest).toBe(a.manifestDigest); // the manifest names the compressed blobs: the gzip is the same too
    expect(b.layers.map((l) => l.digest)).toEqual(a.layers.map((l) => l.digest));
    expect(a.layers).toHaveLength(4); // busybox, the RUN, WORKDIR's new dir, the COPY
    expect(ok(await mb(['image', 'inspect', '--format', '{{.Created}}', a.id])).stdout).toBe('2023-11-14T22:13:20Z\n');
    // the RUN's files were written after the epoch: their mtimes are clamped to it
    expect(await run(a.id, 'stat', '-c', '%Y', '/epoch/d/x', '/epoch/new', '/epoch/f')).toBe('1700000000\n'.repeat(3));
  });

  it('runs the ONBUILD triggers of a base image, once', async () => {
    put('Dockerfile', 'FROM busybox\nONBUILD RUN echo triggered > /trig\nONBUILD ENV T=1\n');
    ok(await build(ctx, '-t', 'onbuild-base:1'));
    const child = fs.mkdtempSync(path.join(os.tmpdir(), 'mbx-build-ctx-'));
    try {
      fs.writeFileSync(path.join(child, 'Dockerfile'), 'FROM onbuild-base:1\nRUN echo "trig=$(cat /trig) T=$T"\n');
      const r = ok(await build(child, '-t', 'onbuild-child:1'));
      expect(r.stdout).toContain('# Executing 2 build triggers\n');
      expect(r.stdout).toContain('trig=triggered T=1\n');
      // the child's own children do not run them again
      fs.writeFileSync(path.join(child, 'Dockerfile'), 'FROM onbuild-child:1\nRUN true\n');
      expect(ok(await build(child)).stdout).not.toContain('build trigger');
    } finally {
      fs.rmSync(child, { recursive: true, force: true });
    }
  });

  it('a Dockerfile on stdin (`-`), -q printing only the image id, and ADD of a URL and of a tar archive', async () => {
    const server = http.createServer((_req, res) => res.end('fetched\n')).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const q = ok(await mb(['build', '-q', '--network', 'none', '-'], `FROM busybox\nADD http://127.0.0.1:${port}/file.txt /dl/\n`));
      expect(q.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
      const id = q.stdout.trim();
      expect(await run(id, 'sh', '-c', 'cat /dl/file.txt; stat -c %a /dl/file.txt')).toBe('fetched\n600\n');
    } finally {
      server.close();
    }
    put('src/x.txt', 'in the tar\n');
    execFileSync('tar', ['czf', path.join(ctx, 'a.tar.gz'), '-C', path.join(ctx, 'src'), 'x.txt']);
    put('Dockerfile', 'FROM busybox\nADD a.tar.gz /unpacked/\nCMD ["cat", "/unpacked/x.txt"]\n');
    ok(await build(ctx, '-t', 'addtar:1'));
    expect(await run('addtar:1')).toBe('in the tar\n');
    // `-f -`: the Dockerfile from stdin, the context from the directory
    const fromStdin = ok(await mb(['build', '-q', '--network', 'none', '-f', '-', ctx], 'FROM busybox\nCOPY src/x.txt /from-stdin.txt\n'));
    expect(await run(fromStdin.stdout.trim(), 'cat', '/from-stdin.txt')).toBe('in the tar\n');
  });
  it('ADD unpacks local bzip2 and xz tars, told by their magic bytes, not their names', async () => {
    put('src/b.txt', 'from bzip2\n');
    put('src/x.txt', 'from xz\n');
    execFileSync('tar', ['cjf', path.join(ctx, 'x.tar.bz2'), '-C', path.join(ctx, 'src'), 'b.txt']);
    execFileSync('tar', ['cJf', path.join(ctx, 'x.tar.xz'), '-C', path.join(ctx, 'src'), 'x.txt']);
    execFileSync('tar', ['cJf', path.join(ctx, 'no-suffix'), '-C', path.join(ctx, 'src'), 'b.txt']);
    execFileSync('tar', ['cf', path.join(ctx, 'plain.tar'), '-C', path.join(ctx, 'src'), 'x.txt']);
    put('Dockerfile', 'FROM busybox\nADD x.tar.bz2 /dst/\nADD x.tar.xz /dst/\nADD no-suffix /other\nADD plain.tar /plain/\nCOPY x.tar.xz /copied/\n');
    ok(await build(ctx, '-t', 'addtars:1'));
    expect(await run('addtars:1', 'sh', '-c', 'cat /dst/b.txt /dst/x.txt /other/b.txt /plain/x.txt; ls /dst /copied')).toBe('from bzip2\nfrom xz\nfrom bzip2\nfrom xz\n/copied:\nx.tar.xz\n\n/dst:\nb.txt\nx.txt\n');

    // a corrupt archive: one line naming it, exit 1, the store as it was
    const good = fs.readFileSync(path.join(ctx, 'x.tar.xz'));
    fs.writeFileSync(path.join(ctx, 'x.tar.xz'), good.subarray(0, good.length - 40));
    put('Dockerfile', 'FROM busybox\nADD x.tar.xz /dst/\n');
    const before = storeListing();
    const r = await build(ctx, '-t', 'badtar:1');
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^minibox: xz archive x\.tar\.xz is truncated or corrupt: /)]);
    expect(storeListing()).toEqual(before);
    const tmp = path.join(root, 'tmp');
    expect(fs.existsSync(tmp) ? fs.readdirSync(tmp).filter((n) => n.startsWith('build-')) : []).toEqual([]);
  });

  it('metadata-only steps print the intermediate container of Docker\'s classic builder; cached ones print Using cache', async () => {
    put('Dockerfile', 'FROM busybox\nENV NOPS=1\nLABEL nops=v\nEXPOSE 8123\nCMD ["nops"]\n'); // steps no other test caches
    const r = ok(await build(ctx, '-t', 'nops:1'));
    const ids: string[] = [];
    for (const ins of ['ENV NOPS=1', 'LABEL nops=v', 'EXPOSE 8123', 'CMD ["nops"]']) {
      const esc = ins.replace(/[[\]"]/g, '\\$&');
      const m = new RegExp(`: ${esc}\n ---> Running in ([0-9a-f]{12})\n ---> Removed intermediate container \\1\n ---> [0-9a-f]{12}\n`).exec(r.stdout);
      expect(m, `${ins} in:\n${r.stdout}`).not.toBeNull();
      ids.push(m![1]!);
    }
    expect(new Set(ids).size).toBe(4); // each step its own id
    expect(containerCount()).toBe(0);
    // history: each step with its size (metadata steps 0B, as Docker's)
    const history = ok(await mb(['history', '--format', '{{.Size}}|{{.CreatedBy}}', '--no-trunc', 'nops:1'])).stdout.split('\n');
    expect(history.slice(0, 4)).toEqual(['0B|/bin/sh -c #(nop)  CMD ["nops"]', '0B|/bin/sh -c #(nop)  EXPOSE 8123', '0B|/bin/sh -c #(nop)  LABEL nops=v', '0B|/bin/sh -c #(nop)  ENV NOPS=1']);
    expect(history[4]).toMatch(/^\d+(\.\d+)?[kM]B\|/); // busybox's own layer
    // each row names the step image that made it, down to the base's top row, as Docker's Parent chain does
    const stepIds = [...r.stdout.matchAll(/^ ---> ([0-9a-f]{12})$/gm)].map((m) => m[1]);
    const rowIds = ok(await mb(['history', '-q', 'nops:1'])).stdout.trimEnd().split('\n');
    expect(rowIds.slice(0, 5)).toEqual([...stepIds].reverse()); // CMD, EXPOSE, LABEL, ENV, busybox
    expect(rowIds.slice(5).every((id) => id === '<missing>')).toBe(true); // busybox's older rows, if it has any
    const parents = ok(await mb(['image', 'inspect', '--format', '{{.Parent}}', 'nops:1', 'busybox'])).stdout.split('\n');
    expect(parents[0]?.slice(7, 19)).toBe(stepIds[3]); // the EXPOSE step's image
    expect(parents[1]).toBe(''); // a loaded image has none
    const again = ok(await build(ctx, '-t', 'nops:1'));
    expect(again.stdout).not.toContain('Running in');
    expect(again.stdout.match(/ ---> Using cache\n ---> [0-9a-f]{12}\n/g)).toHaveLength(4);
  });

  it('-f names the Dockerfile; SHELL and the exec form of RUN; COPY --from an image; --pull asks the registry even for a local base', async () => {
    put('build/Other.dockerfile', [
      'FROM busybox',
      'SHELL ["/bin/sh", "-c", "-e"]',
      'RUN echo "shell $0" > /shell.txt', // $0 of `sh -c -e CMD` is sh's own name
      'RUN ["/bin/sh", "-c", "echo exec-form > /exec.txt"]',
      'COPY --from=busybox /bin/busybox /copied-busybox',
      '',
    ].join('\n'));
    const r = ok(await build(ctx, '-f', path.join(ctx, 'build', 'Other.dockerfile'), '-t', 'otherfile:1'));
    expect(r.stdout).toContain('Step 2/5 : SHELL ["/bin/sh", "-c", "-e"]');
    expect(await run('otherfile:1', 'sh', '-c', 'cat /exec.txt; test -x /copied-busybox && echo copied; grep -c shell /shell.txt')).toBe('exec-form\ncopied\n1\n');
    const history = ok(await mb(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'otherfile:1'])).stdout;
    expect(history).toContain('/bin/sh -c -e echo "shell $0" > /shell.txt');
    expect(history).toContain('/bin/sh -c echo exec-form > /exec.txt');

    // a base only in the store under a registry's name: found without --pull, asked for with it
    ok(await mb(['tag', 'busybox', '127.0.0.1:1/local/bb:1']));
    put('Dockerfile', 'FROM 127.0.0.1:1/local/bb:1\nLABEL pulled=no\n');
    ok(await build(ctx));
    const pulled = await build(ctx, '--pull');
    expect([pulled.code, pulled.stderr.trim()]).toEqual([1, 'minibox: error contacting 127.0.0.1:1: connection refused']);
  });

  it("a RUN's cache key holds the build args in scope: another --build-arg value runs it again", async () => {
    put('Dockerfile', 'FROM busybox\nARG CACHEARG=a\nRUN echo "arg is $CACHEARG"\n');
    const steps = (r: Result) => r.stdout.split(/^Step /m).slice(1).map((st) => st.includes('Using cache'));
    expect(ok(await build(ctx, '--build-arg', 'CACHEARG=one')).stdout).toContain('arg is one\n');
    expect(steps(ok(await build(ctx, '--build-arg', 'CACHEARG=one')))).toEqual([false, true, true]);
    const other = ok(await build(ctx, '--build-arg', 'CACHEARG=two'));
    expect(steps(other)).toEqual([false, true, false]);
    expect(other.stdout).toContain('arg is two\n');
  });

  it('--force-rm removes the container of a failing RUN that --rm=false would keep', async () => {
    put('Dockerfile', 'FROM busybox\nRUN echo forced > /f; exit 4\n');
    const kept = await build(ctx, '--rm=false');
    expect(kept.code).toBe(1);
    expect(containerCount()).toBe(1);
    ok(await mb(['rm', '-f', ...ok(await mb(['ps', '-aq'])).stdout.split('\n').filter(Boolean)]));
    const forced = await build(ctx, '--rm=false', '--force-rm');
    expect(forced.code).toBe(1);
    expect(forced.stdout).toContain(' ---> Running in ');
    expect(containerCount()).toBe(0);
  });

  it("-q keeps RUN's output back; a failing -q build shows all of it on stderr, as Docker does", async () => {
    put('Dockerfile', 'FROM busybox\nRUN echo run-says-hi; echo run-err >&2\n');
    const q = ok(await build(ctx, '-q'));
    expect(q.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    expect(q.stderr).toBe('');
    put('Dockerfile', 'FROM busybox\nRUN echo before-fail; exit 2\n');
    const failed = await build(ctx, '-q');
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe('');
    expect(failed.stderr).toContain('Step 2/2 : RUN echo before-fail; exit 2\n');
    expect(failed.stderr).toContain('before-fail\n');
    expect(failed.stderr).toContain("The command '/bin/sh -c echo before-fail; exit 2' returned a non-zero code: 2");
  });
});

describe('minibox build failures', () => {
  it('a failing RUN shows its output and Docker\'s error, exit 1, and leaves the store as it was', async () => {
    put('Dockerfile', 'FROM busybox\nRUN echo to-stdout; echo to-stderr >&2; exit 3\n');
    fs.mkdirSync(path.join(root, 'containers'), { recursive: true, mode: 0o700 }); // made by any RUN: not what is compared
    const before = storeListing();
    const r = await build(ctx, '-t', 'broken:1');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('to-stdout\n');
    expect(r.stderr).toContain('to-stderr\n');
    expect(r.stderr).toContain("The command '/bin/sh -c echo to-stdout; echo to-stderr >&2; exit 3' returned a non-zero code: 3");
    expect(storeListing()).toEqual(before);
    expect(containerCount()).toBe(0);
    expect(ok(await mb(['images'])).stdout).not.toContain('broken');
  });

  it('a bad --build-arg and an unreachable base image: one line, exit 1, the store as it was', async () => {
    put('Dockerfile', 'FROM busybox\nRUN true\n');
    fs.mkdirSync(path.join(root, 'containers'), { recursive: true, mode: 0o700 });
    const before = storeListing();
    let r = await build(ctx, '--build-arg', '=x');
    expect([r.code, r.stderr.trim()]).toEqual([1, 'minibox: invalid argument "=x" for "--build-arg" flag: invalid environment variable: =x']);
    expect(storeListing()).toEqual(before);

    put('Dockerfile', 'FROM 127.0.0.1:1/nope:1\nRUN true\n');
    r = await build(ctx, '-t', 'unreachable:1');
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual(['minibox: error contacting 127.0.0.1:1: connection refused']);
    expect(storeListing()).toEqual(before);
    expect(containerCount()).toBe(0);
  });

  it('an unknown instruction names its line; COPY ../x is outside the context; a missing file; a bad tag', async () => {
    fs.mkdirSync(path.join(root, 'containers'), { recursive: true, mode: 0o700 });
    const before = storeListing();
    put('Dockerfile', 'FROM busybox\n\nRUN true\nCOPPY a b\n');
    let r = await build(ctx);
    expect([r.code, r.stderr.trim()]).toEqual([1, 'minibox: dockerfile parse error line 4: unknown instruction: COPPY']);

    put('Dockerfile', 'FROM busybox\nCOPY ../x /x\n');
    r = await build(ctx, '-t', 'outside:1');
    expect([r.code, r.stderr.trim()]).toEqual([1, 'minibox: forbidden path outside the build context: ../x ()']);

    put('Dockerfile', 'FROM busybox\nCOPY missing.txt /x\n');
    r = await build(ctx, '-t', 'missing:1');
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual(['minibox: COPY failed: file not found in build context or excluded by .dockerignore: stat missing.txt: file does not exist']);

    put('Dockerfile', 'FROM busybox\n');
    r = await build(ctx, '-t', 'Bad:Tag');
    expect([r.code, r.stderr.trim()]).toEqual([1, 'minibox: invalid argument "Bad:Tag" for "-t, --tag" flag: invalid reference format: repository name (library/Bad) must be lowercase']);
    r = await build(ctx, '-t', 'ok:1', '-t', 'bb:bad:tag');
    expect([r.code, r.stderr.trim()]).toEqual([1, 'minibox: invalid argument "bb:bad:tag" for "-t, --tag" flag: invalid reference format']);
    r = await build(ctx, '-t', `bb@sha256:${'0'.repeat(64)}`);
    expect([r.code, r.stderr.trim()]).toEqual([1, 'minibox: build tag cannot contain a digest']);
    expect(storeListing()).toEqual(before);
    expect(containerCount()).toBe(0);
  });
});

