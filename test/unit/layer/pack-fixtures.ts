/** What the layer writer's tests make trees with (pack.test.ts, pack-roundtrip.test.ts). */
export const S_IFCHR = 0o020000;
export const S_IFIFO = 0o010000;
// a security.capability value: VFS_CAP_REVISION_2 with the effective flag, permitted = cap_net_raw (13)
export const CAP_NET_RAW = Buffer.from([0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
