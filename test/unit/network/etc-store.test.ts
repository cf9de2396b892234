import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { refreshPeers, rewriteHosts } from '../../../src/network/etc-store.js';
import type { ContainerNet, Endpoint } from '../../../src/network/records.js';

/** The hosts files of running containers, rewritten in place (issue #15 item 5). */
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const ep = (network: string, ip: string): Endpoint => ({ network, bridge: 'b', ip, prefix: 24, gateway: '', veth: '', ifname: 'eth0', aliases: [] });
function member(name: string, endpoints: Endpoint[]): ContainerNet {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'etc-store-'));
  dirs.push(dir);
  writeFileSync(path.join(dir, 'hosts'), `${'# an old, longer view of the network\n'.repeat(20)}`);
  return { id: name.padEnd(64, '0'), name, hostname: name, endpoints, ports: [], exposed: [], tag: '', dir, extraHosts: [] };
}
const hostsOf = (c: ContainerNet) => readFileSync(path.join(c.dir, 'hosts'), 'utf8');

describe('hosts files of network members', () => {
  it('are rewritten on the same inode (the bind mount), with nothing of the longer old text left', () => {
    const db = member('db', [ep('app', '10.9.0.2')]);
    const web = member('web', [ep('app', '10.9.0.3')]);
    const inode = statSync(path.join(web.dir, 'hosts')).ino;
    rewriteHosts(web, [db, web]);
    expect(statSync(path.join(web.dir, 'hosts')).ino).toBe(inode);
    expect(hostsOf(web)).not.toContain('old');
    expect(hostsOf(web).trimEnd().split('\n').slice(-2)).toEqual([`10.9.0.2\tdb ${db.id.slice(0, 12)}`, '10.9.0.3\tweb']);
  });

  it('refreshPeers rewrites every member of the changed network and no one else', async () => {
    const db = member('db', [ep('app', '10.9.0.2')]);
    const web = member('web', [ep('app', '10.9.0.3')]);
    const lone = member('lone', [ep('other', '10.8.0.2')]);
    await refreshPeers(['app'], [db, web, lone]);
    expect(hostsOf(db)).toContain('10.9.0.3\tweb');
    expect(hostsOf(web)).toContain('10.9.0.2\tdb');
    expect(hostsOf(lone)).toContain('old'); // not on app: untouched
  });

  it('a member whose state dir is gone (removed meanwhile) is no error', () => {
    const gone = member('gone', [ep('app', '10.9.0.2')]);
    rmSync(gone.dir, { recursive: true });
    expect(() => rewriteHosts(gone, [gone])).not.toThrow();
  });
});
