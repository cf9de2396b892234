import { MiniboxError } from '../util/errors.js';
import { expectObject, isObject, optNumber, optString } from '../util/json.js';

/**
 * The registry's own JSON documents (error body, token response), each with a parse
 * function: everything here comes off the network and is untrusted. Manifests, indexes,
 * descriptors and media types are in src/oci-format/, shared with the image store.
 */
export interface RegistryErrorEntry {
  code: string;
  message: string;
}

/** `{"errors":[{code,message}]}`; anything else (HTML from a proxy, empty body) gives []. */
export function parseRegistryErrors(body: string): RegistryErrorEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return [];
  }
  if (!isObject(json) || !Array.isArray(json['errors'])) return [];
  const out: RegistryErrorEntry[] = [];
  for (const e of json['errors']) {
    if (!isObject(e) || typeof e['code'] !== 'string') continue;
    out.push({ code: e['code'], message: typeof e['message'] === 'string' ? e['message'] : '' });
  }
  return out;
}

/** The token server's answer: `token` and/or `access_token`, `expires_in` seconds. */
export function parseTokenResponse(v: unknown): { token: string; expiresIn: number } {
  const what = 'token response';
  const o = expectObject(v, what);
  const token = optString(o, 'token', what) || optString(o, 'access_token', what);
  if (!token) throw new MiniboxError(`invalid ${what}: neither "token" nor "access_token" is set`);
  const expiresIn = optNumber(o, 'expires_in', what);
  // the spec's default; below 60 s is treated as 60 s too, as Docker does
  return { token, expiresIn: expiresIn !== undefined && expiresIn > 60 ? expiresIn : 60 };
}
