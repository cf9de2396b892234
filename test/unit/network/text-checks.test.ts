import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { statePaths } from '../../../src/util/paths.js';
import { parseAddHost } from '../../../src/network/etc-files.js';
import { checkDnsServer, checkNetworkText, hasControlCharacter } from '../../../src/network/text-checks.js';
import { planNetwork } from '../../../src/engine/network.js';
import { FakeDriver } from './fake-driver.js';

/**
 * Flags whose text lands in /etc/hosts, /etc/hostname, /etc/resolv.conf: a control character
 * (a newline above all) is refused with one line naming the flag, before anything is made.
 */
describe('control characters in network text flags', () => {
  it('are found: C0, DEL, C1, line separators; plain names pass', () => {
    for (const bad of ['a\nb', 'a\rb', 'a\tb', 'a\x00b', 'a\x1b]0;x\x07', 'a\x7f', 'a\u0085b', 'a\u2028b']) expect(hasControlCharacter(bad), JSON.stringify(bad)).toBe(true);
    for (const ok of ['web', 'db.local', 'my_host-1', 'ünïcode']) expect(hasControlCharacter(ok)).toBe(false);
  });

  it('--add-host: a newline in the name is refused, on one line', () => {
    expect(() => parseAddHost('evil\n1.2.3.4 bank.example:10.0.0.1')).toThrow(
      'invalid argument "evil\\n1.2.3.4 bank.example:10.0.0.1" for "--add-host" flag: invalid hostname in add-host: "evil\\n1.2.3.4 bank.example"',
    );
    expect(() => parseAddHost('db:10.0.0.1\nnameserver 6.6.6.6')).toThrow('invalid IP address in add-host: "10.0.0.1\\nnameserver 6.6.6.6"');
    expect(parseAddHost('db.local:10.1.2.3')).toEqual({ ip: '10.1.2.3', names: ['db.local'] });
  });

  it('--dns: an IP address (Docker trims blanks around it); anything else refused', () => {
    expect(checkDnsServer(' 10.9.9.9 ')).toBe('10.9.9.9');
    expect(checkDnsServer('2001:db8::1')).toBe('2001:db8::1');
    expect(() => checkDnsServer('1.1.1.1\nnameserver 6.6.6.6')).toThrow(
      'invalid argument "1.1.1.1\\nnameserver 6.6.6.6" for "--dns" flag: IP address is not correctly formatted: "1.1.1.1\\nnameserver 6.6.6.6"',
    );
    expect(() => checkDnsServer('resolver')).toThrow('IP address is not correctly formatted');
  });

  it('--hostname and --network-alias', () => {
    expect(() => checkNetworkText({ hostname: 'box\n10.0.0.1 bank' })).toThrow('invalid argument "box\\n10.0.0.1 bank" for "-h, --hostname" flag: invalid hostname format: "box\\n10.0.0.1 bank"');
    expect(() => checkNetworkText({ aliases: ['web', 'x\x1b[2J'] })).toThrow('invalid argument "x\\x1b[2J" for "--network-alias" flag');
    expect(checkNetworkText({ hostname: 'box1', aliases: ['web'], dns: ['10.9.9.9'] })).toEqual(['10.9.9.9']);
  });
});

describe('planNetwork refuses them before anything is made', () => {
  let tmp: string;
  const saved = process.env.MINIBOX_NETWORK_STATE;
  beforeEach(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'net-text-'));
    process.env.MINIBOX_NETWORK_STATE = path.join(tmp, 'net');
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.MINIBOX_NETWORK_STATE;
    else process.env.MINIBOX_NETWORK_STATE = saved;
    rmSync(tmp, { recursive: true, force: true });
  });

  it.each([[{ hostname: 'a\nb' }], [{ dns: ['1.1.1.1\nnameserver 6.6.6.6'] }], [{ addHosts: ['x\ny:1.2.3.4'] }], [{ aliases: ['a\nb'] }], [{ network: 'none', dns: ['8.8.8.8\x1b'] }]])('%j', async (flags) => {
    const driver = new FakeDriver();
    await expect(planNetwork(statePaths(path.join(tmp, 'root')), flags, {}, driver)).rejects.toThrow(/^invalid argument ".*" for "[-\w, ]+" flag: /);
    expect(driver.calls).toEqual([]);
  });
});
