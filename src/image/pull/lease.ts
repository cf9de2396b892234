import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { StatePaths } from '../../util/paths.js';
import { errnoCode } from '../../util/errors.js';
import { isObject } from '../../util/json.js';
import { removeBlob } from '../blobs.js';
import { listImageRecords } from '../index-store.js';
import { removeSnapshot } from '../snapshots.js';
import { ownerAlive } from '../tmp-dirs.js';

/**
 * A pull commits each layer as soon as it is verified, so a pull killed half-way leaves its
 * finished layers for the next one to reuse. A pull that fails (and can still clean up)
 * takes back what it committed, as Docker releases the layers of a failed pull — except
 * what another image now uses, or what another running pull has counted on. Each pull
 * records what it counts on in its scratch dir (tmp/pull-<owner>-…/lease.json), written
 * under the store lock together with its check of which layers already exist.
 */
export interface Lease {
  chains: string[];
  blobs: string[];
}

const LEASE_FILE = 'lease.json';

export async function writeLease(dir: string, lease: Lease): Promise<void> {
  await fs.writeFile(path.join(dir, LEASE_FILE), JSON.stringify(lease));
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** What the other live pulls count on. Hold the store lock. */
async function liveLeases(paths: StatePaths, ownDir: string): Promise<Lease> {
  const out: Lease = { chains: [], blobs: [] };
  let names: string[] = [];
  try {
    names = await fs.readdir(paths.tmp);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
  for (const name of names) {
    const dir = path.join(paths.tmp, name);
    if (!name.startsWith('pull-') || dir === ownDir || ownerAlive(name) === false) continue;
    try {
      const json: unknown = JSON.parse(await fs.readFile(path.join(dir, LEASE_FILE), 'utf8'));
      if (!isObject(json)) continue;
      out.chains.push(...strings(json['chains']));
      out.blobs.push(...strings(json['blobs']));
    } catch {
      // no lease yet (it is written under the lock we hold) or being removed
    }
  }
  return out;
}

/** Remove what this pull committed and nobody else uses. Hold the store lock. */
export async function releaseUnused(paths: StatePaths, ownDir: string, committed: Lease): Promise<void> {
  const records = await listImageRecords(paths);
  const leases = await liveLeases(paths, ownDir);
  const chainsInUse = new Set([...leases.chains, ...records.flatMap((r) => r.layers.map((l) => l.chainId))]);
  const blobsInUse = new Set([...leases.blobs, ...records.flatMap((r) => [r.id, r.manifestDigest, ...r.layers.map((l) => l.digest)])]);
  for (const chain of committed.chains) if (!chainsInUse.has(chain)) await removeSnapshot(paths, chain);
  for (const blob of committed.blobs) if (!blobsInUse.has(blob)) await removeBlob(paths, blob);
}
