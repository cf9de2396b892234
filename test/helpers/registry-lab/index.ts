/** The registry lab: a real registry, a token server, a CDN-style redirector, a fault proxy. */
export { startRegistry, REGISTRY_BIN, type LabRegistry, type LabOptions } from './registry.js';
export { startRedirector, type Redirector, type SeenRequest } from './redirector.js';
export { startFaultProxy, type FaultProxy, type FaultRule, type Fault, type ProxyRecord } from './fault-proxy.js';
export { pushImage, pushIndex, makeLayer, imageConfig, type ImageSpec, type PushedImage, type PushedIndex, type IndexEntry } from './images.js';
export type { TokenServer, TokenRequestRecord } from './token-server.js';
