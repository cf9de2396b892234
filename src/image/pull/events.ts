/**
 * What a pull reports while it works, as data: the engine emits these and the CLI's
 * progress renderer (src/cli/progress/) turns them into Docker's lines. The layer statuses
 * are Docker's own words, so a renderer prints them as they are.
 */
export type LayerStatus =
  | 'Pulling fs layer'
  | 'Waiting'
  | 'Downloading'
  | 'Verifying Checksum'
  | 'Download complete'
  | 'Extracting'
  | 'Pull complete'
  | 'Already exists';

export type PullEvent =
  /** `run` found no image and pulls it: "Unable to find image 'busybox:latest' locally". */
  | { kind: 'not-found-locally'; name: string }
  /** "Using default tag: latest". */
  | { kind: 'default-tag'; tag: string }
  /** "latest: Pulling from library/busybox" (tag or digest; the repository path). */
  | { kind: 'pulling'; reference: string; repository: string }
  /** One layer's state, by the 12-hex short id of its blob; bytes for Downloading/Extracting. */
  | { kind: 'layer'; id: string; status: LayerStatus; current?: number; total?: number }
  /** "Digest: sha256:…" (what the reference resolved to: the index for a multi-platform image). */
  | { kind: 'digest'; digest: string }
  /** "Status: Downloaded newer image for busybox:latest" / "Status: Image is up to date for …". */
  | { kind: 'status'; upToDate: boolean; name: string }
  /** A one-line remark for stderr, not progress: a mirror that failed and what is tried next. */
  | { kind: 'note'; message: string }
  /** The full name, the last line: "docker.io/library/busybox:latest". */
  | { kind: 'done'; reference: string; imageId: string };

export type PullListener = (event: PullEvent) => void;
