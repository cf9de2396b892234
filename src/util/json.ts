import { MiniboxError } from './errors.js';

/**
 * Small validators for untrusted JSON (registry responses, image configs, state files).
 * Each parse function per type uses these instead of `as Foo`.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: unknown };

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function expectObject(v: unknown, what: string): JsonObject {
  if (!isObject(v)) throw new MiniboxError(`invalid ${what}: expected a JSON object`);
  return v;
}

export function optString(o: JsonObject, key: string, what: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new MiniboxError(`invalid ${what}: "${key}" must be a string`);
  return v;
}

export function reqString(o: JsonObject, key: string, what: string): string {
  const v = optString(o, key, what);
  if (v === undefined) throw new MiniboxError(`invalid ${what}: missing "${key}"`);
  return v;
}

export function optNumber(o: JsonObject, key: string, what: string): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new MiniboxError(`invalid ${what}: "${key}" must be a number`);
  return v;
}

export function optStringArray(o: JsonObject, key: string, what: string): string[] | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
    throw new MiniboxError(`invalid ${what}: "${key}" must be an array of strings`);
  }
  return v as string[];
}

export function optObject(o: JsonObject, key: string, what: string): JsonObject | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  return expectObject(v, `${what}.${key}`);
}
