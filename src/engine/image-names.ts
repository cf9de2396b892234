/**
 * Image names as Docker prints them (`busybox:latest`, not docker.io/library/busybox:latest),
 * passed through from src/oci-format/ so the CLI imports the engine only. A module of its
 * own so `ps` does not load the image store to print a name.
 */
export { familiarImageName, familiarName } from '../oci-format/reference.js';
