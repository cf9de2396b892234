import { describe, expect, it } from 'vitest';
import { ociMountOf, parseMountFlag, parseTmpfsFlag, parseVolumeFlag, parseVolumeMode, planMounts, shimMountOf } from '../../../src/container/mounts.js';
import { encodeMountRecords } from '../../../src/linux/shim-mounts.js';

const none = { volumes: [], mounts: [], tmpfs: [], readOnly: false };

describe('-v/--volume', () => {
  it('HOST:CTR[:ro|rw] is a bind, created when missing, rprivate by default', () => {
    expect(parseVolumeFlag('/srv/data/:/data')).toEqual({ type: 'bind', source: '/srv/data/', target: '/data', readonly: false, createSource: true, tmpfsOptions: [] });
    expect(parseVolumeFlag('/a:/b/../c/:ro').readonly).toBe(true);
    expect(parseVolumeFlag('/a:/c/:ro').target).toBe('/c');
    expect(parseVolumeFlag('/a:/b:rw,rslave,z')).toMatchObject({ readonly: false, propagation: 'rslave' });
    expect(ociMountOf(parseVolumeFlag('/a:/b:ro'))).toEqual({ destination: '/b', type: 'bind', source: '/a', options: ['rbind', 'rprivate', 'ro'] });
  });

  it('NAME:CTR and CTR are volumes (the volume store makes them; refused until then)', () => {
    expect(parseVolumeFlag('dbdata:/var/lib/mysql')).toMatchObject({ type: 'volume', source: 'dbdata', target: '/var/lib/mysql' });
    expect(parseVolumeFlag('/var/lib/mysql')).toMatchObject({ type: 'volume', source: '', target: '/var/lib/mysql' });
    expect(() => planMounts({ ...none, volumes: ['dbdata:/x'] })).toThrow('named volumes are not supported yet');
  });

  it('SELinux z/Z are accepted and ignored (no SELinux here, nothing labelled), as Docker does without SELinux', () => {
    for (const mode of ['z', 'Z', 'ro,z', 'Z,ro', 'rw,rshared,z', 'z,nocopy', 'cached,Z']) {
      const bind = parseVolumeFlag(`/h:/c:${mode}`);
      expect(bind.type).toBe('bind');
      // z/Z change nothing the shim is told: the mount is the one without them
      expect(ociMountOf(bind)).toEqual(ociMountOf(parseVolumeFlag(`/h:/c:${mode.split(',').filter((m) => !['z', 'Z', 'nocopy', 'cached'].includes(m)).join(',') || 'rw'}`)));
    }
    expect(parseVolumeMode('ro,Z')).toEqual({ readonly: true });
    expect(parseVolumeFlag('vol:/c:z')).toMatchObject({ type: 'volume', source: 'vol', readonly: false });
  });

  it('a mode takes one of each kind, as Docker\'s parser', () => {
    for (const mode of ['z,Z', 'ro,rw', 'shared,slave', 'nocopy,nocopy', 'cached,delegated', 'ro,', 'x']) {
      expect(() => parseVolumeFlag(`/h:/c:${mode}`), mode).toThrow(`invalid mode: ${mode}`);
    }
  });

  it("refuses relative host paths, relative targets, '/' and bad modes with Docker's words", () => {
    expect(() => parseVolumeFlag('./data:/data')).toThrow(
      'create ./data: "./data" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path',
    );
    expect(() => parseVolumeFlag('/a:data')).toThrow("invalid mount path: 'data' mount path must be absolute");
    expect(() => parseVolumeFlag('/a:/')).toThrow("destination can't be '/'");
    expect(() => parseVolumeFlag('/a:/b:rx')).toThrow('invalid mode: rx');
    expect(() => parseVolumeFlag('/a:/b:ro:x')).toThrow("invalid volume specification: '/a:/b:ro:x'");
  });
});

describe('--mount', () => {
  it("reads Docker's keys and aliases", () => {
    expect(parseMountFlag('type=bind,src=/h,dst=/c,readonly')).toEqual({ type: 'bind', source: '/h', target: '/c', readonly: true, createSource: false, tmpfsOptions: [] });
    expect(parseMountFlag('type=bind,source=/h,destination=/c,ro=false,bind-propagation=shared')).toMatchObject({ readonly: false, propagation: 'shared' });
    expect(parseMountFlag('type=tmpfs,target=/t,tmpfs-size=64m,tmpfs-mode=1770').tmpfsOptions).toEqual(['size=67108864', 'mode=1770']);
  });

  it("refuses unknown keys, bare fields and missing fields with Docker's words", () => {
    expect(() => parseMountFlag('type=bind,source=/h,target=/c,colour=red')).toThrow("unexpected key 'colour' in 'colour=red'");
    expect(() => parseMountFlag('type=bind,source=/h,target=/c,bogus')).toThrow("invalid field 'bogus' must be a key=value pair");
    expect(() => parseMountFlag('type=bind,target=/c')).toThrow('invalid mount config for type "bind": field Source must not be empty');
    expect(() => parseMountFlag('type=bind,source=/h')).toThrow('field Target must not be empty');
    expect(() => parseMountFlag('type=nfs,target=/c')).toThrow('invalid mount type: nfs');
    expect(() => parseMountFlag('type=bind,source=rel,target=/c')).toThrow("invalid mount path: 'rel' mount path must be absolute");
    expect(() => parseMountFlag('type=tmpfs,target=/c,tmpfs-mode=9')).toThrow('invalid tmpfs-mode');
  });
});

describe('--tmpfs and the shim records', () => {
  it("gets Docker's nosuid,nodev,noexec with the given options over them", () => {
    const m = parseTmpfsFlag('/run:rw,exec,size=65536k,mode=1777');
    expect(ociMountOf(m)).toEqual({ destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'noexec', 'exec', 'size=65536k', 'mode=1777'] });
    expect(shimMountOf(ociMountOf(m))).toEqual({ type: 'tmpfs', source: 'tmpfs', target: '/run', opts: ['nosuid', 'nodev'], data: ['size=65536k', 'mode=1777'] });
    expect(() => parseTmpfsFlag('/run:uid=0')).toThrow('invalid tmpfs option');
  });

  it('encodes one option a record, so nothing can be spliced into mount(2) data', () => {
    const bind = shimMountOf(ociMountOf(parseVolumeFlag('/h,x=y:/c:ro')));
    expect(encodeMountRecords([bind], true)).toEqual(['mount=bind', 'mount.src=/h,x=y', 'mount.dst=/c', 'mount.opt=rprivate', 'mount.opt=ro', 'mount.rootro=1']);
    expect(() => shimMountOf({ destination: '/x', type: 'tmpfs', source: 'tmpfs', options: ['size=1m,uid=0'] })).toThrow('unsupported option');
    expect(() => shimMountOf({ destination: '/x', type: 'overlay', source: 'o' })).toThrow('unsupported type overlay');
  });

  it('refuses two mounts on one target', () => {
    expect(() => planMounts({ ...none, volumes: ['/a:/x'], tmpfs: ['/x/'] })).toThrow('Duplicate mount point: /x');
  });
});
