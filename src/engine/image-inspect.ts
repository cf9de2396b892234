import { statePaths, type StatePaths } from '../util/paths.js';
import { MiniboxError } from '../util/errors.js';
import { isObject, type JsonObject } from '../util/json.js';
import { readBlobText } from '../image/blobs.js';
import { listRefs, readImageRecord } from '../image/index-store.js';
import { displayName } from '../image/resolve.js';
import { snapshotDir } from '../image/snapshots.js';
import { familiarName, familiarRepository, parseReference } from '../oci-format/reference.js';
import { findSource } from './tag.js';

/**
 * `minibox image inspect IMAGE…`: Docker's image JSON (API 1.43-1.47 shape). RepoDigests
 * name the stored manifest in each repository the image has a tag in (the manifest kept
 * from the pull, load or build, as containerd-backed Docker reports them); GraphDriver shows
 * the overlay lower dirs a container of the image gets, top first.
 */
export interface ImageInspect {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Parent: string;
  Comment: string;
  Created: string;
  DockerVersion: string;
  Author: string;
  Config: JsonObject;
  Architecture: string;
  Variant?: string;
  Os: string;
  Size: number;
  GraphDriver: { Data: { LowerDir: string }; Name: string };
  RootFS: { Type: string; Layers: string[] };
  Metadata: { LastTagTime: string };
}

const str = (o: JsonObject, k: string): string => (typeof o[k] === 'string' ? (o[k] as string) : '');

/** The last history entry's comment, when the config has none of its own (Docker's rule). */
function commentOf(config: JsonObject): string {
  const own = str(config, 'comment');
  if (own) return own;
  const history = config['history'];
  const last = Array.isArray(history) ? history[history.length - 1] : undefined;
  return isObject(last) ? str(last, 'comment') : '';
}

export async function inspectImageIn(paths: StatePaths, input: string): Promise<ImageInspect> {
  const id = await findSource(paths, input);
  const record = id ? await readImageRecord(paths, id) : undefined;
  if (!record) throw new MiniboxError(`No such image: ${displayName(input)}`, 1);
  const raw: unknown = JSON.parse(await readBlobText(paths, record.id, 8 << 20));
  const config = isObject(raw) ? raw : {};
  const refs = (await listRefs(paths)).filter((r) => r.imageId === record.id).map((r) => parseReference(r.ref)).sort((a, b) => familiarName(a).localeCompare(familiarName(b)));
  const repos = [...new Set(refs.map((r) => familiarRepository(r)))];
  const rootfs = isObject(config['rootfs']) ? config['rootfs'] : {};
  const variant = str(config, 'variant');
  // a built step's image names the one it was built on while that is in the store, as Docker's classic builder
  const [, parent = ''] = await (await import('../build/cache.js')).parentChain(paths, record.id);
  return {
    Id: record.id,
    RepoTags: refs.map((r) => familiarName(r)),
    RepoDigests: repos.map((r) => `${r}@${record.manifestDigest}`),
    Parent: parent,
    Comment: commentOf(config),
    Created: str(config, 'created') || '0001-01-01T00:00:00Z',
    DockerVersion: str(config, 'docker_version'),
    Author: str(config, 'author'),
    Config: isObject(config['config']) ? config['config'] : {},
    Architecture: record.architecture,
    ...(variant ? { Variant: variant } : {}),
    Os: record.os,
    Size: record.size,
    GraphDriver: { Data: { LowerDir: [...record.layers].reverse().map((l) => snapshotDir(paths, l.chainId)).join(':') }, Name: 'overlay' },
    RootFS: { Type: str(rootfs, 'type') || 'layers', Layers: record.layers.map((l) => l.diffId) },
    Metadata: { LastTagTime: '0001-01-01T00:00:00Z' },
  };
}

export async function inspectImage(input: string): Promise<ImageInspect> {
  return inspectImageIn(statePaths(), input);
}
