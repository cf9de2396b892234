/**
 * `network ls --filter`: Docker's network filters over the listed networks. `name` and `id`
 * match anywhere in the value (Docker matches them as regular expressions, which a plain
 * name is), `driver` exactly, `label` by key or key=value, `type` builtin (bridge, host,
 * none) or custom, `dangling` networks no container is attached to (never the built-in
 * ones). Several values of one key are alternatives; different keys must all match. A
 * filter Docker does not know is refused with Docker's words before anything is listed.
 */
import { MiniboxError } from '../util/errors.js';

export interface FilterableNetwork {
  id: string;
  name: string;
  driver: string;
  labels: Record<string, string>;
  builtin: boolean;
  inUse: boolean;
}

const KEYS = ['name', 'id', 'driver', 'label', 'type', 'dangling', 'scope'] as const;
type Key = (typeof KEYS)[number];

function parseFilters(filters: string[]): Map<Key, string[]> {
  const byKey = new Map<Key, string[]>();
  for (const f of filters) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw new MiniboxError(`bad format of filter (expected name=value)`, 1);
    const key = f.slice(0, eq).trim().toLowerCase();
    const value = f.slice(eq + 1).trim();
    if (!(KEYS as readonly string[]).includes(key)) throw new MiniboxError(`invalid filter '${key}'`, 1);
    const k = key as Key;
    if (k === 'type' && value !== 'builtin' && value !== 'custom') throw new MiniboxError(`invalid filter: 'type'='${value}'`, 1);
    if (k === 'dangling' && !/^(true|false|1|0)$/i.test(value)) throw new MiniboxError(`invalid filter 'dangling=${value}'`, 1);
    byKey.set(k, [...(byKey.get(k) ?? []), value]);
  }
  return byKey;
}

function matchesOne(n: FilterableNetwork, key: Key, value: string): boolean {
  switch (key) {
    case 'name':
      return n.name.includes(value);
    case 'id':
      return n.id.includes(value);
    case 'driver':
      return n.driver === value;
    case 'scope':
      return value === 'local';
    case 'type':
      return value === 'builtin' ? n.builtin : !n.builtin;
    case 'dangling':
      return /^(true|1)$/i.test(value) ? !n.builtin && !n.inUse : n.builtin || n.inUse;
    case 'label': {
      const eq = value.indexOf('=');
      if (eq < 0) return value in n.labels;
      return n.labels[value.slice(0, eq)] === value.slice(eq + 1);
    }
  }
}

/** The networks every filter key admits (a key with several values admits any of them; labels must all hold). */
export function filterNetworks<T extends FilterableNetwork>(rows: T[], filters: string[]): T[] {
  const byKey = parseFilters(filters);
  return rows.filter((n) =>
    [...byKey].every(([key, values]) => (key === 'label' ? values.every((v) => matchesOne(n, key, v)) : values.some((v) => matchesOne(n, key, v)))),
  );
}
