import { DEFAULT_CAPABILITIES } from '../container/security/capabilities.js';
import { isPrivileged, type OciSpec } from '../container/spec.js';

/**
 * Docker's HostConfig security fields for `inspect`, from what config.json records:
 * CapAdd/CapDrop relative to Docker's defaults, Privileged, SecurityOpt, the masked and
 * read-only paths (the full sets and the seccomp rules are in config.json itself).
 */
export function securityHostConfig(spec: OciSpec): Record<string, unknown> {
  const caps = spec.process.capabilities?.bounding;
  const privileged = isPrivileged(spec);
  const add = caps && !privileged ? caps.filter((c) => !DEFAULT_CAPABILITIES.includes(c)).map((c) => c.replace(/^CAP_/, '')) : [];
  const drop = caps && !privileged ? DEFAULT_CAPABILITIES.filter((c) => !caps.includes(c)).map((c) => c.replace(/^CAP_/, '')) : [];
  const securityOpt = [
    ...(spec.process.noNewPrivileges ? ['no-new-privileges'] : []),
    ...(!spec.linux.seccomp && !privileged ? ['seccomp=unconfined'] : []),
  ];
  return {
    CapAdd: add.length ? add : null,
    CapDrop: drop.length ? drop : null,
    Privileged: privileged,
    SecurityOpt: securityOpt.length ? securityOpt : null,
    MaskedPaths: spec.linux.maskedPaths,
    ReadonlyPaths: spec.linux.readonlyPaths,
  };
}
