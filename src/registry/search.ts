import fetch from 'node-fetch';
import { MiniboxError, describe } from '../util/errors.js';
import { expectObject, isObject } from '../util/json.js';
import type { FetchImpl } from './auth.js';
import { InsecureRegistries } from './insecure.js';

/**
 * `docker search`'s registry side: the v1 search API of an index (Docker Hub's
 * `https://index.docker.io/v1/search?q=TERM&n=LIMIT`, or the host named in the term, as in
 * `docker search 127.0.0.1:5000/busybox`), its answer validated, and Docker's filters
 * (is-official, stars, the deprecated is-automated) applied here as the daemon does.
 */
export interface SearchResult {
  name: string;
  description: string;
  starCount: number;
  isOfficial: boolean;
}

export interface SearchFilters {
  isOfficial?: boolean;
  stars?: number;
  isAutomated?: boolean;
}

export interface SearchRequest {
  term: string;
  limit?: number; // 1..100, 25 by default
  filters?: SearchFilters;
  insecureRegistries?: string[];
  fetchImpl?: FetchImpl;
}

const HUB_INDEX = 'index.docker.io';
const HUB_NAMES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
export const DEFAULT_SEARCH_LIMIT = 25;

/** Docker's splitReposSearchTerm: a first component with '.', ':' or "localhost" names the index. */
export function splitSearchTerm(term: string): { index: string; remote: string } {
  const slash = term.indexOf('/');
  const first = slash === -1 ? '' : term.slice(0, slash);
  const hub = slash === -1 || (!first.includes('.') && !first.includes(':') && first !== 'localhost');
  const index = hub || HUB_NAMES.has(first) ? HUB_INDEX : first;
  const remote = hub ? term : term.slice(slash + 1);
  // official images are searched by their short name
  return { index, remote: index === HUB_INDEX ? remote.replace(/^library\//, '') : remote };
}

function parseResults(json: unknown): SearchResult[] {
  const what = 'search response';
  const o = expectObject(json, what);
  const results = o['results'];
  if (!Array.isArray(results)) throw new MiniboxError(`invalid ${what}: "results" must be an array`);
  return results.map((r, i) => {
    if (!isObject(r) || typeof r['name'] !== 'string') throw new MiniboxError(`invalid ${what}: result ${i} has no name`);
    const stars = r['star_count'];
    return {
      name: r['name'],
      description: typeof r['description'] === 'string' ? r['description'] : '',
      starCount: typeof stars === 'number' && Number.isFinite(stars) ? Math.trunc(stars) : 0,
      isOfficial: r['is_official'] === true,
    };
  });
}

function keep(r: SearchResult, f: SearchFilters): boolean {
  if (f.isOfficial !== undefined && r.isOfficial !== f.isOfficial) return false;
  if (f.stars !== undefined && r.starCount < f.stars) return false;
  return true;
}

export async function searchRepositories(req: SearchRequest): Promise<SearchResult[]> {
  if (req.term.includes('://')) {
    throw new MiniboxError(`invalid repository name: repository name (${req.term}) should not have a scheme`, 1);
  }
  const limit = req.limit ?? DEFAULT_SEARCH_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new MiniboxError(`limit ${limit} is outside the range of [1, 100]`, 1);
  const filters = req.filters ?? {};
  // "is-automated=true" matches nothing any more (Hub's field is untrustworthy), as in Docker
  if (filters.isAutomated === true) return [];
  const { index, remote } = splitSearchTerm(req.term);
  const insecure = new InsecureRegistries(req.insecureRegistries ?? []).has(index);
  const url = `${insecure ? 'http' : 'https'}://${index}/v1/search?q=${encodeURIComponent(remote)}&n=${limit}`;
  const fetchImpl = req.fetchImpl ?? fetch;
  let body: string;
  let status: number;
  try {
    const res = await fetchImpl(url, { headers: { 'User-Agent': 'minibox/0.1 (+registry client)', 'X-Docker-Token': 'true' } });
    status = res.status;
    body = await res.text();
  } catch (err) {
    throw new MiniboxError(`Get "${url}": ${describe(err)}`, 1, { cause: err });
  }
  if (status !== 200) throw new MiniboxError(`Unexpected status code ${status}`, 1);
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    throw new MiniboxError(`error decoding registry search results: ${describe(err)}`, 1);
  }
  return parseResults(json).filter((r) => keep(r, filters));
}
