import { MiniboxError } from '../util/errors.js';
import { expectObject, optNumber, optObject, optString, reqString, type JsonObject } from '../util/json.js';
import { isDigest } from './digest.js';

/**
 * OCI content descriptors and platforms, one shape and one parser whether they come off
 * the network or out of a file the user handed us: both are untrusted, so every field is
 * checked. Only sha256 digests pass (what minibox can verify), rejected here rather than
 * mis-verified later.
 */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations: Record<string, string>;
  platform?: Platform;
  urls?: string[];
}

export function parseAnnotations(o: JsonObject, what: string): Record<string, string> {
  const a = optObject(o, 'annotations', what);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(a ?? {})) {
    if (typeof v !== 'string') throw new MiniboxError(`invalid ${what}: annotation "${k}" must be a string`);
    out[k] = v;
  }
  return out;
}

export function parsePlatform(o: JsonObject | undefined, what: string): Platform | undefined {
  if (!o) return undefined;
  const variant = optString(o, 'variant', what);
  return {
    os: reqString(o, 'os', what),
    architecture: reqString(o, 'architecture', what),
    ...(variant ? { variant } : {}),
  };
}

export function parseDescriptor(v: unknown, what = 'descriptor'): Descriptor {
  const o = expectObject(v, what);
  const digest = reqString(o, 'digest', what);
  if (!isDigest(digest)) throw new MiniboxError(`invalid ${what}: unsupported digest ${JSON.stringify(digest)} (only sha256)`);
  const size = optNumber(o, 'size', what);
  if (size === undefined || !Number.isSafeInteger(size) || size < 0) {
    throw new MiniboxError(`invalid ${what}: "size" must be a non-negative integer`);
  }
  const platform = parsePlatform(optObject(o, 'platform', what), `${what}.platform`);
  const urls = o['urls'];
  const d: Descriptor = { mediaType: reqString(o, 'mediaType', what), digest, size, annotations: parseAnnotations(o, what) };
  if (platform) d.platform = platform;
  if (Array.isArray(urls) && urls.every((u) => typeof u === 'string')) d.urls = urls.filter((u): u is string => typeof u === 'string');
  return d;
}

/** `o[key]` as an array of descriptors, each named `what.key[i]` in errors. */
export function parseDescriptors(o: JsonObject, key: string, what: string): Descriptor[] {
  const v = o[key];
  if (!Array.isArray(v)) throw new MiniboxError(`invalid ${what}: "${key}" must be an array`);
  return v.map((d, i) => parseDescriptor(d, `${what}.${key}[${i}]`));
}

/**
 * Docker's name for the host platform (Node says x64 where OCI says amd64), with the variant
 * Docker's default spec carries: linux/arm64/v8 on an arm64 host (Apple Silicon's VM).
 * `nodeArch` is Node's process.arch, a parameter so other hosts can be tested here.
 */
export function hostPlatform(nodeArch: string = process.arch): Platform {
  const arch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  const architecture = arch[nodeArch] ?? nodeArch;
  return { architecture, os: 'linux', ...(architecture === 'arm64' ? { variant: 'v8' } : {}) };
}
