import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { minibox } from '../helpers/minibox.js';
import { useBusyboxRoot } from '../helpers/busybox-root.js';

/**
 * What a RUN step's layer holds, read from the stored blob's tar: only what the command
 * changed. The runtime's /etc placeholders (hosts, hostname, resolv.conf), which every
 * container's upper dir has, are not in it, nor the /etc dir overlay copied up for them
 * (unless the command changed that dir itself).
 */
let root = '';
useBusyboxRoot((r) => (root = r));
const mb = (args: string[]) => minibox(args, { root, timeoutMs: 120_000 });

let ctx = '';
beforeEach(() => {
  ctx = fs.mkdtempSync(path.join(os.tmpdir(), 'mbx-build-layer-'));
});
afterEach(() => fs.rmSync(ctx, { recursive: true, force: true }));

/** The entries (name without a trailing slash → mode) of the image's top layer blob. */
async function topLayer(imageId: string): Promise<Map<string, number>> {
  const record = JSON.parse(fs.readFileSync(path.join(root, 'images', 'by-id', `${imageId.replace(/^sha256:/, '')}.json`), 'utf8')) as { layers: Array<{ digest: string }> };
  const digest = record.layers[record.layers.length - 1]?.digest ?? '';
  const names = new Map<string, number>();
  const ex = tar.extract();
  ex.on('entry', (h, stream, next) => {
    names.set(h.name.replace(/\/$/, ''), (h.mode ?? 0) & 0o7777);
    stream.on('end', next);
    stream.resume();
  });
  const done = new Promise<void>((resolve, reject) => {
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  fs.createReadStream(path.join(root, 'blobs', 'sha256', digest.replace(/^sha256:/, ''))).pipe(createGunzip()).pipe(ex);
  await done;
  return names;
}

describe('a RUN layer', () => {
  it('holds what the command wrote and no etc/ entry when the command left /etc alone', async () => {
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM busybox\nRUN mkdir /made && echo x > /made/file\n');
    const built = await mb(['build', '--network', 'none', '-q', '-t', 'runlayer:1', ctx]);
    expect(built.code, built.stderr).toBe(0);
    expect([...(await topLayer(built.stdout.trim())).keys()].sort()).toEqual(['made', 'made/file']);
  });

  it('keeps a file the command wrote under /etc, still without the placeholders', async () => {
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM busybox\nRUN echo y > /etc/mine\n');
    const built = await mb(['build', '--network', 'none', '-q', '-t', 'runlayer:2', ctx]);
    expect(built.code, built.stderr).toBe(0);
    expect([...(await topLayer(built.stdout.trim())).keys()].sort()).toEqual(['etc', 'etc/mine']);
  });

  it('keeps /etc itself when the command changed its mode, though only the placeholders are in it', async () => {
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM busybox\nRUN chmod 0750 /etc\n');
    const built = await mb(['build', '--network', 'none', '-q', '-t', 'runlayer:3', ctx]);
    expect(built.code, built.stderr).toBe(0);
    expect(Object.fromEntries(await topLayer(built.stdout.trim()))).toEqual({ etc: 0o750 });
  });
});
