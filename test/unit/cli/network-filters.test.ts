import { describe, expect, it } from 'vitest';
import { filterNetworks, type FilterableNetwork } from '../../../src/engine/network-filters.js';

const net = (name: string, over: Partial<FilterableNetwork> = {}): FilterableNetwork => ({
  id: Buffer.from(name.padEnd(32, '0')).toString('hex'),
  name,
  driver: 'bridge',
  labels: {},
  builtin: false,
  inUse: false,
  ...over,
});

const rows = [
  net('bridge', { builtin: true, inUse: true }),
  net('host', { driver: 'host', builtin: true }),
  net('none', { driver: 'null', builtin: true }),
  net('labnet', { inUse: true, labels: { lab: '05' } }),
  net('labnet-b'),
  net('other', { labels: { lab: '06', team: 'x' } }),
];
const names = (filters: string[]) => filterNetworks(rows, filters).map((n) => n.name);

describe('network ls --filter', () => {
  it('matches name and id anywhere in the value, driver exactly', () => {
    expect(names(['name=labnet'])).toEqual(['labnet', 'labnet-b']);
    expect(names(['name=labnet-b', 'name=oth'])).toEqual(['labnet-b', 'other']);
    expect(names([`id=${rows[1]!.id.slice(0, 8)}`])).toEqual(['host']);
    expect(names(['driver=null'])).toEqual(['none']);
    expect(names(['driver=bridge', 'name=lab'])).toEqual(['labnet', 'labnet-b']);
  });
  it('filters by type, dangling and label', () => {
    expect(names(['type=builtin'])).toEqual(['bridge', 'host', 'none']);
    expect(names(['type=custom'])).toEqual(['labnet', 'labnet-b', 'other']);
    expect(names(['dangling=true'])).toEqual(['labnet-b', 'other']);
    expect(names(['dangling=false'])).toEqual(['bridge', 'host', 'none', 'labnet']);
    expect(names(['label=lab'])).toEqual(['labnet', 'other']);
    expect(names(['label=lab=06'])).toEqual(['other']);
    expect(names(['label=lab', 'label=team'])).toEqual(['other']);
    expect(names([])).toEqual(rows.map((r) => r.name));
  });
  it('refuses filters Docker does not know, with exit 1', () => {
    expect(() => names(['colour=red'])).toThrow("invalid filter 'colour'");
    expect(() => names(['type=mine'])).toThrow("invalid filter: 'type'='mine'");
    expect(() => names(['dangling=maybe'])).toThrow("invalid filter 'dangling=maybe'");
    expect(() => names(['name'])).toThrow('bad format of filter');
  });
});
