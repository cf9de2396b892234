import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadContext } from '../../../src/build/context.js';
import { planCopy } from '../../../src/build/copy-plan.js';
import { parseChmod, stageCopy } from '../../../src/build/staging.js';
import { resolveChown } from '../../../src/build/chown.js';

/** A COPY laid out for the layer writer: owners root's or --chown's, --chmod, mtimes kept. */
let ctx = '';
let out = '';
beforeEach(() => {
  ctx = fs.mkdtempSync(path.join(os.tmpdir(), 'mbx-build-stage-'));
  out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mbx-build-out-')), 'staging');
});
afterEach(() => {
  fs.rmSync(ctx, { recursive: true, force: true });
  fs.rmSync(path.dirname(out), { recursive: true, force: true });
});

describe('stageCopy', () => {
  it('lays a directory out with its modes and mtimes, owned as asked', () => {
    fs.mkdirSync(path.join(ctx, 'src/sub'), { recursive: true });
    fs.writeFileSync(path.join(ctx, 'src/sub/run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    fs.chmodSync(path.join(ctx, 'src/sub/run.sh'), 0o755);
    fs.utimesSync(path.join(ctx, 'src/sub/run.sh'), new Date(2001, 0, 1), new Date(2001, 0, 1));
    fs.symlinkSync('sub/run.sh', path.join(ctx, 'src/link'));
    const plan = planCopy({ keyword: 'COPY', sources: ['src'], dest: '/app', workdir: undefined, fromContext: true }, loadContext(ctx).tree, () => false);
    stageCopy(plan, out, { owner: { uid: 0, gid: 0 }, rootMeta: { mode: 0o755, uid: 0, gid: 0 } });
    const st = fs.statSync(path.join(out, 'sub/run.sh'));
    expect(st.mode & 0o7777).toBe(0o755);
    expect(st.mtime.getFullYear()).toBe(2001);
    expect(fs.readlinkSync(path.join(out, 'link'))).toBe('sub/run.sh');
    if (process.getuid?.() === 0) {
      const out2 = `${out}-2`;
      stageCopy(plan, out2, { owner: { uid: 1000, gid: 1001 }, chmod: 0o700, rootMeta: { mode: 0o755, uid: 0, gid: 0 } });
      const s2 = fs.statSync(path.join(out2, 'sub/run.sh'));
      expect([s2.uid, s2.gid, s2.mode & 0o7777]).toEqual([1000, 1001, 0o700]);
      expect(fs.statSync(path.join(out2, 'sub')).uid).toBe(1000);
    }
  });

  it('parses --chmod and --chown as Docker does', () => {
    expect(parseChmod('0755')).toBe(0o755);
    expect(() => parseChmod('u+x')).toThrow('invalid chmod parameter: u+x');
    const etc = (name: 'passwd' | 'group') => (name === 'passwd' ? 'root:x:0:0::/root:/bin/sh\nwww-data:x:33:33::/var/www:/bin/false\n' : 'root:x:0:\nstaff:x:50:\n');
    expect(resolveChown('www-data', etc)).toEqual({ uid: 33, gid: 33 });
    expect(resolveChown('www-data:staff', etc)).toEqual({ uid: 33, gid: 50 });
    expect(resolveChown('1000:1001', etc)).toEqual({ uid: 1000, gid: 1001 });
    expect(() => resolveChown('nobody', etc)).toThrow("can't find uid for user nobody");
  });
});
