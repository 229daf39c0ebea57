/**
 * The Gateway API classes (Gateway, HTTPRoute, ...) WebGateway and WebHttpRoute are written
 * against, generated offline into imports/gateway.networking.k8s.io.ts by `npm run import`.
 * Imported from here for the reason lib/k8s.ts gives; a copy replaces this file with
 * imports/gateway.networking.k8s.io.ts itself.
 */
export * from '../imports/gateway.networking.k8s.io';
