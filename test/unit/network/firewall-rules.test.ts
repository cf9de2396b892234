import { describe, expect, it } from 'vitest';
import { freshSetup, freshTeardown, setupFromSaved, teardownFromSaved, type SavedRules } from '../../../src/linux/network/firewall-batches.js';
import { bridgeRules, namesBridge } from '../../../src/linux/network/firewall-rules.js';
import { ourRuleLines } from '../../helpers/leakcheck.js';

/**
 * The exact iptables lines of minibox's firewall (issue 11 item 5): route_localnet guard,
 * unpublished ports closed to other interfaces, networks isolated from each other, the
 * open-router guard. Written as iptables-save prints them (checked against a real
 * iptables-save in the integration test network-isolation.test.ts).
 */
const A = { bridge: 'minibox0', subnet: '10.87.0.0/16' };
const B = { bridge: 'mbxbr0123456789', subnet: '10.88.0.0/16' };

const FILTER_A = [
  '-A MINIBOX-INPUT ! -s 127.0.0.0/8 -d 127.0.0.0/8 -i minibox0 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
  '-A MINIBOX-ISOLATION-STAGE-1 -i minibox0 ! -o minibox0 -j MINIBOX-ISOLATION-STAGE-2',
  '-A MINIBOX-ISOLATION-STAGE-2 -o minibox0 -j DROP',
  '-A MINIBOX-BRIDGES -o minibox0 -m conntrack --ctstate RELATED,ESTABLISHED,DNAT -j ACCEPT',
  '-A MINIBOX-BRIDGES -i minibox0 -j ACCEPT',
  '-A MINIBOX-BRIDGES -o minibox0 -j DROP',
];
const NAT_A = ['-A MINIBOX-POSTROUTING -s 10.87.0.0/16 ! -o minibox0 -j MASQUERADE', '-A MINIBOX-POSTROUTING -o minibox0 -m addrtype --src-type LOCAL -j MASQUERADE'];

/** What iptables-save shows after freshSetup(A) (chains sorted as iptables-save sorts them). */
function savedAfterA(guard: boolean): SavedRules {
  return new Map([
    ['nat', [':PREROUTING ACCEPT [0:0]', ':MINIBOX - [0:0]', ':MINIBOX-POSTROUTING - [0:0]', '-A PREROUTING -m addrtype --dst-type LOCAL -j MINIBOX', '-A OUTPUT -m addrtype --dst-type LOCAL -j MINIBOX', '-A POSTROUTING -j MINIBOX-POSTROUTING', ...NAT_A]],
    [
      'filter',
      [
        ':INPUT ACCEPT [0:0]',
        ':FORWARD ACCEPT [0:0]',
        ...['MINIBOX-BRIDGES', 'MINIBOX-FORWARD', 'MINIBOX-INPUT', 'MINIBOX-ISOLATION-STAGE-1', 'MINIBOX-ISOLATION-STAGE-2'].map((c) => `:${c} - [0:0]`),
        '-A INPUT -j MINIBOX-INPUT',
        '-A FORWARD -j MINIBOX-FORWARD',
        '-A MINIBOX-FORWARD -j MINIBOX-ISOLATION-STAGE-1',
        '-A MINIBOX-FORWARD -j MINIBOX-BRIDGES',
        ...(guard ? ['-A MINIBOX-FORWARD -j DROP'] : []),
        '-A MINIBOX-ISOLATION-STAGE-1 -m conntrack --ctstate DNAT -j RETURN',
        ...FILTER_A,
      ],
    ],
  ]);
}

describe('firewall setup', () => {
  it('fresh: chains, fixed rules (isolation first, then the bridges, then the guard), jumps first in INPUT/FORWARD, the bridge', () => {
    expect(freshSetup(A.bridge, A.subnet, true)).toEqual({
      nat: ['-N MINIBOX', '-N MINIBOX-POSTROUTING', '-A PREROUTING -m addrtype --dst-type LOCAL -j MINIBOX', '-A OUTPUT -m addrtype --dst-type LOCAL -j MINIBOX', '-A POSTROUTING -j MINIBOX-POSTROUTING', ...NAT_A],
      filter: [
        '-N MINIBOX-INPUT',
        '-N MINIBOX-FORWARD',
        '-N MINIBOX-ISOLATION-STAGE-1',
        '-N MINIBOX-ISOLATION-STAGE-2',
        '-N MINIBOX-BRIDGES',
        '-A MINIBOX-FORWARD -j MINIBOX-ISOLATION-STAGE-1',
        '-A MINIBOX-FORWARD -j MINIBOX-BRIDGES',
        '-A MINIBOX-FORWARD -j DROP',
        '-A MINIBOX-ISOLATION-STAGE-1 -m conntrack --ctstate DNAT -j RETURN',
        '-I INPUT 1 -j MINIBOX-INPUT',
        '-I FORWARD 1 -j MINIBOX-FORWARD',
        ...FILTER_A,
      ],
    });
  });

  it('the open-router DROP only when minibox turned forwarding on', () => {
    expect(freshSetup(A.bridge, A.subnet, false).filter).not.toContain('-A MINIBOX-FORWARD -j DROP');
    expect(freshSetup(A.bridge, A.subnet, true).filter).toContain('-A MINIBOX-FORWARD -j DROP');
  });

  it('a second network adds only its own rules (its isolation rules join the shared stages)', () => {
    expect(setupFromSaved(savedAfterA(true), B.bridge, B.subnet, true)).toEqual({ nat: bridgeRules(B.bridge, B.subnet).nat, filter: bridgeRules(B.bridge, B.subnet).filter });
    expect(bridgeRules(B.bridge, B.subnet).filter).toContain('-A MINIBOX-ISOLATION-STAGE-2 -o mbxbr0123456789 -j DROP');
  });

  it('the same network again adds nothing', () => {
    expect(setupFromSaved(savedAfterA(false), A.bridge, A.subnet, true)).toEqual({ nat: [], filter: [] });
  });

  it('a missing chain comes back with its fixed rules; a missing jump goes first again', () => {
    const saved = savedAfterA(true);
    const filter = (saved.get('filter') ?? []).filter((l) => !l.includes('MINIBOX-ISOLATION-STAGE-1') && l !== '-A INPUT -j MINIBOX-INPUT');
    saved.set('filter', filter);
    expect(setupFromSaved(saved, A.bridge, A.subnet, true).filter).toEqual([
      '-N MINIBOX-ISOLATION-STAGE-1',
      '-A MINIBOX-ISOLATION-STAGE-1 -m conntrack --ctstate DNAT -j RETURN',
      '-I INPUT 1 -j MINIBOX-INPUT',
      '-A MINIBOX-ISOLATION-STAGE-1 -i minibox0 ! -o minibox0 -j MINIBOX-ISOLATION-STAGE-2',
    ]);
  });

  it('every line is one the leak check counts', () => {
    const { nat, filter } = freshSetup(A.bridge, A.subnet, true);
    const lines = [...nat, ...filter].filter((l) => !l.startsWith('-I ') && !l.startsWith('-N '));
    expect(ourRuleLines(lines.join('\n'))).toEqual(lines);
    const declared = [...(savedAfterA(true).get('filter') ?? [])].filter((l) => l.startsWith(':MINIBOX'));
    expect(ourRuleLines(declared.join('\n'))).toEqual(declared);
  });
});

describe('firewall teardown', () => {
  it('one network of two: only its bridge rules go (the shared fixed rules stay)', () => {
    const saved = savedAfterA(true);
    saved.set('filter', [...(saved.get('filter') ?? []), ...bridgeRules(B.bridge, B.subnet).filter]);
    const batch = teardownFromSaved(saved, [B.bridge], false);
    expect(batch.filter).toEqual(bridgeRules(B.bridge, B.subnet).filter.map((l) => `-D ${l.slice(3)}`));
    expect(batch.nat).toEqual([]);
  });

  it('the last network: jumps out, every chain flushed before any is deleted', () => {
    const batch = teardownFromSaved(savedAfterA(true), [A.bridge], true);
    expect(batch.filter).toEqual([
      '-D INPUT -j MINIBOX-INPUT',
      '-D FORWARD -j MINIBOX-FORWARD',
      ...['-F', '-X'].flatMap((op) => ['MINIBOX-INPUT', 'MINIBOX-FORWARD', 'MINIBOX-ISOLATION-STAGE-1', 'MINIBOX-ISOLATION-STAGE-2', 'MINIBOX-BRIDGES'].map((c) => `${op} ${c}`)),
    ]);
    expect(batch.nat).toEqual([
      '-D PREROUTING -m addrtype --dst-type LOCAL -j MINIBOX',
      '-D OUTPUT -m addrtype --dst-type LOCAL -j MINIBOX',
      '-D POSTROUTING -j MINIBOX-POSTROUTING',
      '-F MINIBOX',
      '-F MINIBOX-POSTROUTING',
      '-X MINIBOX',
      '-X MINIBOX-POSTROUTING',
    ]);
    expect(freshTeardown()).toEqual(batch);
  });

  it('a bridge is matched by whole name only', () => {
    expect(namesBridge('-A MINIBOX-BRIDGES -o minibox0 -j DROP', ['minibox0'])).toBe(true);
    expect(namesBridge('-A MINIBOX-BRIDGES -o minibox01 -j DROP', ['minibox0'])).toBe(false);
    expect(namesBridge('-A MINIBOX-ISOLATION-STAGE-1 -i x ! -o minibox0 -j MINIBOX-ISOLATION-STAGE-2', ['minibox0'])).toBe(true);
  });
});
