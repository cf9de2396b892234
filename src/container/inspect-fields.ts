import type { HostConfig } from './hostconfig.js';
import type { OciSpec } from './spec.js';
import { processConfigFields, runtimeHostConfig, type ProcessConfigFields } from './inspect-config.js';
import { configVolumes, mountPointsOf, storageHostConfig, type DockerMountPoint, type StorageHostConfig, type VolumeNameOf } from './inspect-storage.js';

/**
 * The inspect fields that come from config.json and hostconfig.json together (storage,
 * health, stop, /dev/shm, sysctls), grouped as Docker's JSON groups them; the CLI merges them
 * into its view beside State, the security and the process fields.
 */
export interface InspectFields {
  HostConfig: StorageHostConfig & ReturnType<typeof runtimeHostConfig>;
  Config: ProcessConfigFields & { Volumes: Record<string, object> | null };
  Mounts: DockerMountPoint[];
}

export function inspectFieldsOf(spec: OciSpec, hc: HostConfig, imageVolumes: Record<string, object> | undefined, volumeNameOf: VolumeNameOf): InspectFields {
  const storage = hc.storage ?? {};
  return {
    HostConfig: { ...storageHostConfig(spec, storage), ...runtimeHostConfig(spec) },
    Config: { ...processConfigFields(hc), Volumes: configVolumes(storage, imageVolumes) },
    Mounts: mountPointsOf(spec, storage, volumeNameOf),
  };
}
