import { randomBytes } from 'node:crypto';
import { MiniboxError } from '../util/errors.js';

/**
 * Volume names as Docker's local driver allows them (at least two characters), and the
 * names of anonymous volumes: 64 hex digits, like a container id.
 */
const VOLUME_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export function isValidVolumeName(name: string): boolean {
  return VOLUME_NAME_RE.test(name);
}

/** The name, or Docker's error (the hint is there because `-v data:/x` is often meant as a path). */
export function validateVolumeName(name: string): string {
  if (!isValidVolumeName(name)) {
    throw new MiniboxError(
      `create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. ` +
        'If you intended to pass a host directory, use absolute path',
    );
  }
  return name;
}

export function newAnonymousVolumeName(): string {
  return randomBytes(32).toString('hex');
}

/** Docker 23+ marks anonymous volumes with this label; `volume prune` without -a removes only those. */
export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';
