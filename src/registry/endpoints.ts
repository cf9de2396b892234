import { registryDomain } from './transport.js';

/**
 * Where a pull of a repository goes, in order: the one place that decides it. For docker.io
 * images, each configured mirror first (with the same repository path, `library/mysql`),
 * then Docker Hub itself; for every other registry, only that registry. Pushes never use
 * this list (Docker never pushes to a mirror).
 */
export interface Endpoint {
  /** The API base, ending in `/` (`https://mirror.lan/`); undefined: the registry's own host. */
  url?: string;
  mirror: boolean;
}

export const DOCKER_HUB_API = 'https://registry-1.docker.io/';

export interface EndpointSettings {
  mirrors: readonly string[];
  /** Stands in for registry-1.docker.io (tests, air-gapped labs); a normalised URL. */
  hubUrl?: string;
}

export function pullEndpoints(domain: string, settings: EndpointSettings): Endpoint[] {
  if (registryDomain(domain) !== 'docker.io') return [{ mirror: false }];
  const hub: Endpoint = settings.hubUrl ? { url: settings.hubUrl, mirror: false } : { mirror: false };
  return [...settings.mirrors.map((url) => ({ url, mirror: true })), hub];
}

/** How an endpoint is named in notes and errors: the mirror's URL, or the API host. */
export function endpointName(endpoint: Endpoint, apiBase: string): string {
  return (endpoint.url ?? apiBase).replace(/\/$/, '');
}
