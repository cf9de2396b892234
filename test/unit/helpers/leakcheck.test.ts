import { describe, expect, it } from 'vitest';
import { ourRuleLines } from '../../helpers/leakcheck.js';
import { isMiniboxStatePath, STATE_ROOT_PREFIX } from '../../helpers/state-roots.js';

/** The leak check knows minibox's things by minibox's own roots and names, not by a word. */
describe('leakcheck: what counts as minibox-made', () => {
  it('mounts under a test state root, /var/lib/minibox or /run/minibox are minibox-made', () => {
    expect(isMiniboxStatePath(`/tmp/${STATE_ROOT_PREFIX}AbC123`, '/tmp')).toBe(true);
    expect(isMiniboxStatePath(`/tmp/${STATE_ROOT_PREFIX}AbC123/containers/x/rootfs`, '/tmp')).toBe(true);
    expect(isMiniboxStatePath('/var/lib/minibox/containers/x/rootfs', '/tmp')).toBe(true);
    expect(isMiniboxStatePath('/run/minibox', '/tmp')).toBe(true);
  });

  it('a checkout in a folder named minibox never is', () => {
    for (const p of ['/tmp/x/minibox', '/root/minibox', '/opt/minibox', '/tmp/minibox', '/run/host/tmp/x/minibox', '/var/lib/miniboxes', '/run/minibox-other']) {
      expect(isMiniboxStatePath(p, '/tmp'), p).toBe(false);
    }
    expect(isMiniboxStatePath('/tmp', '/tmp')).toBe(false);
  });

  it("iptables: the MINIBOX chains, not a rule that only mentions the word", () => {
    const dump = [
      '*nat',
      ':MINIBOX - [0:0]',
      ':MINIBOX-POSTROUTING - [0:0]',
      '-A PREROUTING -m addrtype --dst-type LOCAL -j MINIBOX',
      '-A MINIBOX -p tcp -m tcp --dport 8080 -m comment --comment mbx-0123456789ab -j DNAT --to-destination 10.88.0.2:80',
      '-A OUTPUT -m comment --comment "/root/minibox checkout" -j ACCEPT',
      '-A FORWARD -j MINIBOXES',
      '*filter',
      '-A FORWARD -j MINIBOX-FORWARD',
    ].join('\n');
    expect(ourRuleLines(dump)).toEqual([
      ':MINIBOX - [0:0]',
      ':MINIBOX-POSTROUTING - [0:0]',
      '-A PREROUTING -m addrtype --dst-type LOCAL -j MINIBOX',
      '-A MINIBOX -p tcp -m tcp --dport 8080 -m comment --comment mbx-0123456789ab -j DNAT --to-destination 10.88.0.2:80',
      '-A FORWARD -j MINIBOX-FORWARD',
    ]);
  });
});
