import { MiniboxError } from '../util/errors.js';
import { searchRepositories, type SearchFilters, type SearchResult } from '../registry/search.js';

/**
 * `minibox search TERM`: Docker's filter flags checked as its daemon checks them (unknown
 * keys, malformed values), then the index's search API (src/registry/search.ts).
 */
export type { SearchResult } from '../registry/search.js';

export interface SearchRequest {
  term: string;
  limit?: number;
  filters?: string[]; // key=value, as typed
}

const KNOWN = new Set(['is-official', 'is-automated', 'stars']);

function parseBool(key: string, values: string[]): boolean {
  const isTrue = values.some((v) => v === 'true' || v === '1');
  const isFalse = values.some((v) => v === 'false' || v === '0');
  if (isTrue === isFalse) throw new MiniboxError(`invalid filter '${key}=[${values.join(' ')}]'`, 1);
  return isTrue;
}

/** `--filter k=v` flags → the filters; Docker's messages for what it would refuse. */
export function parseSearchFilters(flags: string[]): SearchFilters {
  const byKey = new Map<string, string[]>();
  for (const f of flags) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw new MiniboxError('bad format of filter (expected name=value)', 1);
    const key = f.slice(0, eq).trim().toLowerCase();
    if (!KNOWN.has(key)) throw new MiniboxError(`invalid filter '${key}'`, 1);
    byKey.set(key, [...(byKey.get(key) ?? []), f.slice(eq + 1).trim()]);
  }
  const out: SearchFilters = {};
  const official = byKey.get('is-official');
  if (official) out.isOfficial = parseBool('is-official', official);
  const automated = byKey.get('is-automated');
  if (automated) out.isAutomated = parseBool('is-automated', automated);
  for (const s of byKey.get('stars') ?? []) {
    if (!/^[+-]?\d+$/.test(s)) throw new MiniboxError(`invalid filter 'stars=${s}'`, 1);
    out.stars = Math.max(out.stars ?? 0, Number(s));
  }
  return out;
}

export async function search(req: SearchRequest): Promise<SearchResult[]> {
  const filters = parseSearchFilters(req.filters ?? []);
  return searchRepositories({ term: req.term, ...(req.limit ? { limit: req.limit } : {}), filters });
}
