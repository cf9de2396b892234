import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/minibox.js';

/**
 * `minibox-shim link-del`: a container's veth and its idle bridge go in one kernel batch,
 * through a link group of their own (native-shim/src/net/netcmd.c). A link group is host-wide,
 * so the test also shows that links of other groups are never touched.
 */
const SHIM = path.join(REPO, 'native-shim', 'build', 'minibox-shim');
const NAMES = ['minibox-tbr', 'minibox-tve', 'minibox-tvp', 'minibox-tkeep', 'minibox-tk2'];

const ip = (...args: string[]) => execFileSync('ip', args, { encoding: 'utf8' });
const exists = (name: string) => ip('-o', 'link', 'show').split('\n').some((l) => l.split(': ')[1]?.split('@')[0] === name);
const groupOf = (name: string) => /group (\S+)/.exec(ip('-d', 'link', 'show', 'dev', name))?.[1];

afterEach(() => {
  const left = NAMES.filter(exists);
  if (left.length > 0) execFileSync(SHIM, ['link-del', ...left]);
});

describe('link-del', () => {
  it('deletes a veth (both ends) and its bridge together, and nothing else', () => {
    ip('link', 'add', 'minibox-tbr', 'type', 'bridge');
    ip('link', 'add', 'minibox-tve', 'type', 'veth', 'peer', 'name', 'minibox-tvp');
    ip('link', 'set', 'minibox-tve', 'master', 'minibox-tbr');
    ip('link', 'set', 'minibox-tbr', 'up');
    // bystanders: one in a group of its own, one in the default group
    ip('link', 'add', 'minibox-tkeep', 'type', 'bridge');
    ip('link', 'set', 'minibox-tkeep', 'group', '7');
    ip('link', 'add', 'minibox-tk2', 'type', 'bridge');

    execFileSync(SHIM, ['link-del', 'minibox-tve', 'minibox-tbr', 'minibox-missing']);

    expect(['minibox-tbr', 'minibox-tve', 'minibox-tvp'].filter(exists)).toEqual([]);
    expect(exists('minibox-tkeep')).toBe(true);
    expect(groupOf('minibox-tkeep')).toBe('7');
    expect(exists('minibox-tk2')).toBe(true);
    expect(groupOf('minibox-tk2')).toBe('default');
  });

  it('deletes a single link, and missing links are fine', () => {
    ip('link', 'add', 'minibox-tbr', 'type', 'bridge');
    execFileSync(SHIM, ['link-del', 'minibox-tbr']);
    expect(exists('minibox-tbr')).toBe(false);
    execFileSync(SHIM, ['link-del', 'minibox-tbr', 'minibox-tve']);
  });
});
