import { MiniboxError } from '../util/errors.js';

/**
 * Image references, parsed the way Docker does (distribution/reference's grammar plus
 * ParseNormalizedNamed): `busybox` is docker.io/library/busybox:latest, a first component
 * with a dot, a colon or equal to "localhost" is a registry host, and repository paths are
 * lowercase. Error messages are Docker's, since scripts match on them.
 */
export interface ImageReference {
  domain: string; // docker.io, localhost:5000, ...
  path: string; // library/busybox
  tag?: string;
  digest?: string; // sha256:<hex>
}

const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_PREFIX = 'library/';
const NAME_TOTAL_MAX = 255;

const ALNUM = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const HOST = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])`;
const DOMAIN = `${HOST}(?::[0-9]+)?`;
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,}';
const REFERENCE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const TAG_ONLY = new RegExp(`^${TAG}$`);
const IDENTIFIER = /^[a-f0-9]{64}$/;

/** Docker's splitDockerDomain: decide whether the first path component is a registry. */
function splitDomain(name: string): { domain: string; remainder: string } {
  const i = name.indexOf('/');
  const first = i === -1 ? '' : name.slice(0, i);
  let domain = DEFAULT_DOMAIN;
  let remainder = name;
  if (i !== -1 && (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first)) {
    domain = first;
    remainder = name.slice(i + 1);
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_PREFIX + remainder;
  return { domain, remainder };
}

function checkDigest(digest: string): void {
  const [algo, hex = ''] = digest.split(':');
  if (algo !== 'sha256') throw new MiniboxError('invalid reference format: unsupported digest algorithm');
  if (hex.length !== 64) throw new MiniboxError('invalid checksum digest length');
  if (!/^[0-9a-f]+$/.test(hex)) throw new MiniboxError('invalid checksum digest format');
}

/** Parse a user-typed reference (`busybox`, `user/repo:tag`, `host:5000/repo@sha256:…`). */
export function parseReference(input: string): ImageReference {
  if (input === '') throw new MiniboxError('invalid reference format: repository name must have at least one component');
  if (IDENTIFIER.test(input)) {
    throw new MiniboxError(`invalid repository name (${input}), cannot specify 64-byte hexadecimal strings`);
  }
  const { domain, remainder } = splitDomain(input);
  const colon = remainder.indexOf(':');
  const remoteName = colon === -1 ? remainder : remainder.slice(0, colon);
  if (remoteName.toLowerCase() !== remoteName) {
    throw new MiniboxError(`invalid reference format: repository name (${remoteName}) must be lowercase`);
  }
  const m = REFERENCE.exec(`${domain}/${remainder}`);
  if (!m) throw new MiniboxError('invalid reference format');
  const name = m[1] ?? '';
  if (name.length > NAME_TOTAL_MAX) {
    throw new MiniboxError(`invalid reference format: repository name must not be more than ${NAME_TOTAL_MAX} characters`);
  }
  if (m[3]) checkDigest(m[3]);
  const ref: ImageReference = { domain, path: name.slice(domain.length + 1) };
  if (m[2]) ref.tag = m[2];
  if (m[3]) ref.digest = m[3];
  return ref;
}

/** Docker's TagNameOnly: a reference with neither tag nor digest means `:latest`. */
export function withDefaultTag(ref: ImageReference): ImageReference {
  return ref.tag || ref.digest ? ref : { ...ref, tag: 'latest' };
}

/** Parse and normalise in one step: `busybox` → docker.io/library/busybox:latest. */
export function normalizeReference(input: string): string {
  return referenceString(withDefaultTag(parseReference(input)));
}

export function repositoryName(ref: ImageReference): string {
  return `${ref.domain}/${ref.path}`;
}

export function referenceString(ref: ImageReference): string {
  return repositoryName(ref) + (ref.tag ? `:${ref.tag}` : '') + (ref.digest ? `@${ref.digest}` : '');
}

/** The short repository name Docker shows: docker.io/library/busybox → busybox. */
export function familiarRepository(ref: ImageReference): string {
  if (ref.domain !== DEFAULT_DOMAIN) return repositoryName(ref);
  const rest = ref.path;
  if (rest.startsWith(OFFICIAL_PREFIX) && !rest.slice(OFFICIAL_PREFIX.length).includes('/')) {
    return rest.slice(OFFICIAL_PREFIX.length);
  }
  return rest;
}

/** `docker.io/library/busybox:latest` → `busybox:latest` (accepts any valid reference). */
export function familiarName(input: string | ImageReference): string {
  const ref = typeof input === 'string' ? parseReference(input) : input;
  return familiarRepository(ref) + (ref.tag ? `:${ref.tag}` : '') + (ref.digest ? `@${ref.digest}` : '');
}

/**
 * The IMAGE column of `ps` and its `ancestor` filter: the familiar name without the default
 * tag (a container records only the normalised reference, so `busybox` and `busybox:latest`
 * both show as `busybox`). What is no valid reference (an image id prefix) comes back as it is.
 */
export function familiarImageName(input: string): string {
  try {
    return familiarName(input).replace(/:latest$/, '');
  } catch (err) {
    if (err instanceof MiniboxError) return input;
    throw err;
  }
}

/** True for a bare tag such as `latest` or `1.36` (used for org.opencontainers.image.ref.name). */
export function isBareTag(s: string): boolean {
  return TAG_ONLY.test(s) && !s.includes('/') && !s.includes(':');
}
