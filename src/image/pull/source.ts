import { RegistryClient, type FetchedImageManifest, type FetchedManifest } from '../../registry/client.js';
import { DOCKER_HUB_API, endpointName, pullEndpoints, type Endpoint } from '../../registry/endpoints.js';
import type { Platform } from '../../oci-format/descriptor.js';
import { familiarName, type ImageReference } from '../../oci-format/reference.js';
import { MiniboxError, describe, errnoCode } from '../../util/errors.js';
import type { PullListener } from './events.js';

/**
 * Where a pull's manifest and blobs come from. The endpoint list (mirrors first for
 * docker.io, then the registry; src/registry/endpoints.ts) is tried in order, as Docker
 * does: a mirror that cannot be reached or does not answer with the manifest (5xx, 404,
 * refused) is skipped with a one-line note, and the last endpoint's failure is the pull's
 * error. The endpoint that gave the manifest also gives every blob. Nothing is written
 * before this returns, so a failed pull leaves nothing behind.
 */
export interface RegistrySettings {
  mirrors: string[];
  insecureRegistries: string[];
  /** Stands in for registry-1.docker.io (MINIBOX_DOCKER_HUB_URL). */
  hubUrl?: string;
}

export interface PullSource {
  client: RegistryClient;
  top: FetchedManifest;
  image: FetchedImageManifest;
}

/** A manifest that does not parse is named by the reference it was fetched for. */
export async function fetchManifest(client: RegistryClient, ref: ImageReference, reference: string, platform: Platform): Promise<Omit<PullSource, 'client'>> {
  try {
    const top = await client.getManifest(ref.path, reference);
    const image = top.kind === 'manifest' ? top : await client.resolvePlatform(ref.path, top.json, platform);
    return { top, image };
  } catch (err) {
    if (err instanceof MiniboxError && /^invalid (image manifest|image index|manifest)/.test(err.message) && !err.message.includes('sha256:')) {
      throw new MiniboxError(`malformed manifest for ${familiarName(ref)}: ${err.message}`);
    }
    throw err;
  }
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'timed out',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'no such host',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/** A short reason for a failed endpoint: the socket error's words, else the error's message. */
export function failureReason(err: unknown): string {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const code = errnoCode(e);
    if (code && REASONS[code]) return REASONS[code];
    e = e instanceof Error ? e.cause : undefined;
  }
  return describe(err).replace(/\s+/g, ' ');
}

/** Makes the client for one endpoint (tests pass one with a fake fetch). */
export type Connect = (ref: ImageReference, endpoint: Endpoint, settings: RegistrySettings) => Promise<RegistryClient>;

const withStoredLogin: Connect = (ref, endpoint, settings) =>
  RegistryClient.withStoredLogin({ host: ref.domain, endpoint, insecureRegistries: settings.insecureRegistries });

export async function openPullSource(
  ref: ImageReference,
  reference: string,
  platform: Platform,
  settings: RegistrySettings,
  emit: PullListener,
  connect: Connect = withStoredLogin,
): Promise<PullSource> {
  const endpoints = pullEndpoints(ref.domain, { mirrors: settings.mirrors, ...(settings.hubUrl ? { hubUrl: settings.hubUrl } : {}) });
  for (let i = 0; ; i++) {
    const endpoint = endpoints[i] as Endpoint;
    const client = await connect(ref, endpoint, settings);
    try {
      return { client, ...(await fetchManifest(client, ref, reference, platform)) };
    } catch (err) {
      const next = endpoints[i + 1];
      if (!endpoint.mirror || !next) throw finalError(err, client);
      const then = next.mirror ? 'trying the next' : `falling back to ${endpointName(next, DOCKER_HUB_API)}`;
      emit({ kind: 'note', message: `mirror ${endpointName(endpoint, client.baseUrl)} unavailable (${failureReason(err)}); ${then}` });
    }
  }
}

/** The registry's own errors are already Docker's words; a socket error gets the host named. */
function finalError(err: unknown, client: RegistryClient): unknown {
  if (err instanceof MiniboxError) return err;
  return new MiniboxError(`error contacting ${new URL(client.baseUrl).host}: ${failureReason(err)}`, 125, { cause: err });
}
