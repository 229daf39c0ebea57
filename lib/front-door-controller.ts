/**
 * Who serves the front door: the controller behind an Ingress or a Gateway, as the
 * constructs need to know it. Its class names (IngressClass, GatewayClass), the ports its
 * Gateway listeners must use, the Gateway API features it does not implement, and where
 * its proxy's connections to the web pods come from, so the web NetworkPolicy admits
 * exactly that: the namespace (and pod labels) of an in-cluster proxy, or the address
 * ranges of a proxy that runs outside the cluster.
 *
 * Presets describe each controller as its own installation guide sets it up; every value
 * can be overridden (`FrontDoorController.of({...})`), e.g. for a Traefik installed into
 * another namespace. docs/front-door.md explains each preset and where its values come from.
 */
import { Peer } from './network-policies';
import { ValidationError, validateCidr, validateDnsLabel, validateDnsSubdomain, validateInteger, validateLabelValue } from './prop-checks';

/** The presets, by the names the settings use. */
export const FRONT_DOOR_PRESETS = ['traefik', 'envoy-gateway', 'cloud-provider-kind', 'ingress-nginx'] as const;
export type FrontDoorPreset = typeof FRONT_DOOR_PRESETS[number];

/** Gateway API features (conformance names) that a construct here may render. */
export type GatewayApiFeature = 'HTTPRouteRequestTimeout' | 'HTTPRouteBackendTimeout' | 'HTTPRouteSchemeRedirect';

/** Where the proxy's connections to the web pods come from. */
export interface FrontDoorSource {
  /**
   * Namespace of an in-cluster proxy's pods.
   * @default - none; then `cidrs` is required
   */
  readonly namespace?: string | undefined;
  /**
   * Labels of the proxy's pods in `namespace`, when the namespace holds other pods too.
   * @default - every pod of the namespace
   */
  readonly podLabels?: Record<string, string> | undefined;
  /**
   * Address ranges of a proxy outside the cluster (e.g. cloud-provider-kind's Envoy, a
   * container on kind's docker network).
   * @default - none; then `namespace` is required
   */
  readonly cidrs?: string[] | undefined;
}

/** Props of {@link FrontDoorController.of}. */
export interface FrontDoorControllerProps {
  /** Name used in messages, e.g. "Traefik". */
  readonly name: string;
  /**
   * IngressClass the controller registers.
   * @default - it serves no Ingress
   */
  readonly ingressClassName?: string | undefined;
  /**
   * GatewayClass the controller registers.
   * @default - it serves no Gateway
   */
  readonly gatewayClassName?: string | undefined;
  /**
   * Gateway listener port for HTTP. Traefik matches listeners to its entry points by port, so
   * there it is the entry point's port (8000 in Traefik's Helm chart).
   * @default 80
   */
  readonly httpListenerPort?: number | undefined;
  /**
   * Gateway listener port for HTTPS.
   * @default 443
   */
  readonly httpsListenerPort?: number | undefined;
  /** Where its connections to the web pods come from. */
  readonly source: FrontDoorSource;
  /**
   * Gateway API features it does not implement (from its conformance report): constructs
   * refuse to render them for it, rather than have it ignore them silently.
   * @default []
   */
  readonly unsupportedFeatures?: readonly GatewayApiFeature[] | undefined;
  /**
   * Why it should not be used any more (e.g. a retired project), for documentation and warnings.
   * @default - maintained
   */
  readonly retired?: string | undefined;
}

/** A front-door controller: a preset or your own description. */
export class FrontDoorController {
  /**
   * Traefik Proxy as its Helm chart installs it into the namespace `traefik`: IngressClass and
   * GatewayClass `traefik`, entry points 8000/8443, pods labelled `app.kubernetes.io/name: traefik`.
   * Traefik v3.6 does not implement HTTPRoute timeouts (its Gateway API v1.4.0 conformance
   * report lists HTTPRouteRequestTimeout and HTTPRouteBackendTimeout as unsupported; so does
   * v3.7's for v1.6.1).
   */
  public static traefik(namespace = 'traefik'): FrontDoorController {
    return new FrontDoorController({
      name: 'Traefik', ingressClassName: 'traefik', gatewayClassName: 'traefik', httpListenerPort: 8000, httpsListenerPort: 8443,
      source: { namespace, podLabels: { 'app.kubernetes.io/name': 'traefik' } },
      unsupportedFeatures: ['HTTPRouteRequestTimeout', 'HTTPRouteBackendTimeout'],
    });
  }

  /**
   * Envoy Gateway as its quickstart installs it: GatewayClass `eg`; the Envoy proxies run in
   * the controller's namespace `envoy-gateway-system` with the labels Envoy Gateway gives them.
   * It serves no Ingress.
   */
  public static envoyGateway(namespace = 'envoy-gateway-system'): FrontDoorController {
    return new FrontDoorController({
      name: 'Envoy Gateway', gatewayClassName: 'eg',
      source: { namespace, podLabels: { 'app.kubernetes.io/name': 'envoy', 'app.kubernetes.io/component': 'proxy', 'app.kubernetes.io/managed-by': 'envoy-gateway' } },
    });
  }

  /**
   * kind's cloud-provider-kind (kind's current ingress guide): IngressClass and GatewayClass
   * `cloud-provider-kind`. Its Envoy proxies run as containers on kind's docker network,
   * outside the cluster, so the web pods must admit that network's range (`docker network
   * inspect kind`); there is no default because docker picks it per machine.
   */
  public static cloudProviderKind(cidrs: string[]): FrontDoorController {
    return new FrontDoorController({
      name: 'cloud-provider-kind', ingressClassName: 'cloud-provider-kind', gatewayClassName: 'cloud-provider-kind', source: { cidrs },
    });
  }

  /**
   * The community ingress-nginx (minikube's `ingress` addon, kind's old guide): IngressClass
   * `nginx` in namespace `ingress-nginx`. Retired in March 2026: no fixes, no security patches.
   * Here only to admit it while its Ingresses are migrated away.
   */
  public static ingressNginx(namespace = 'ingress-nginx'): FrontDoorController {
    return new FrontDoorController({
      name: 'ingress-nginx', ingressClassName: 'nginx',
      source: { namespace, podLabels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' } },
      retired: 'ingress-nginx was retired in March 2026 (no releases, no bug fixes, no security patches); migrate to a maintained controller',
    });
  }

  /** The preset of that name; `cloud-provider-kind` needs the kind network's ranges. */
  public static preset(field: string, preset: FrontDoorPreset, cidrs?: string[]): FrontDoorController {
    switch (preset) {
      case 'traefik': return FrontDoorController.traefik();
      case 'envoy-gateway': return FrontDoorController.envoyGateway();
      case 'ingress-nginx': return FrontDoorController.ingressNginx();
      case 'cloud-provider-kind':
        if (cidrs === undefined) {
          throw new ValidationError(field, preset,
            'Needs the address range of kind\'s docker network: cloud-provider-kind\'s Envoy runs outside the cluster, so the web pods admit it by address. '
            + 'Set networkPolicies.webFrom to [{ "cidrs": ["<range>"] }] with the range `docker network inspect kind -f \'{{(index .IPAM.Config 0).Subnet}}\'` prints.');
        }
        return FrontDoorController.cloudProviderKind(cidrs);
      default:
        throw new ValidationError(field, preset, `Must be one of: ${FRONT_DOOR_PRESETS.map((p) => JSON.stringify(p)).join(', ')}.`);
    }
  }

  /** A controller the presets do not describe. */
  public static of(props: FrontDoorControllerProps): FrontDoorController {
    return new FrontDoorController(props);
  }

  public readonly name: string;
  public readonly ingressClassName?: string | undefined;
  public readonly gatewayClassName?: string | undefined;
  public readonly httpListenerPort: number;
  public readonly httpsListenerPort: number;
  public readonly source: FrontDoorSource;
  public readonly unsupportedFeatures: readonly GatewayApiFeature[];
  public readonly retired?: string | undefined;

  private constructor(props: FrontDoorControllerProps) {
    const f = (prop: string) => `FrontDoorController ${props?.name ?? ''}: ${prop}`;
    if (props === null || typeof props !== 'object' || typeof props.name !== 'string' || props.name.length === 0) {
      throw new ValidationError('FrontDoorController: name', props?.name, 'Must be a non-empty string naming the controller.');
    }
    this.name = props.name;
    if (props.ingressClassName !== undefined) validateDnsSubdomain(f('ingressClassName'), props.ingressClassName);
    if (props.gatewayClassName !== undefined) validateDnsSubdomain(f('gatewayClassName'), props.gatewayClassName);
    this.ingressClassName = props.ingressClassName;
    this.gatewayClassName = props.gatewayClassName;
    this.httpListenerPort = validateInteger(f('httpListenerPort'), props.httpListenerPort ?? 80, 1, 65535);
    this.httpsListenerPort = validateInteger(f('httpsListenerPort'), props.httpsListenerPort ?? 443, 1, 65535);
    if (this.httpListenerPort === this.httpsListenerPort) {
      throw new ValidationError(f('httpsListenerPort'), this.httpsListenerPort, 'Must differ from httpListenerPort: one port cannot serve both plain HTTP and HTTPS.');
    }
    this.source = validateFrontDoorSource(f('source'), props.source);
    this.unsupportedFeatures = [...(props.unsupportedFeatures ?? [])];
    this.retired = props.retired;
  }

  /** The NetworkPolicy peer of its proxy (use with `NetworkPolicies.allow`). */
  public peer(): Peer {
    return sourcePeer(this.source, `web`);
  }

  /** Whether it implements a Gateway API feature. */
  public supports(feature: GatewayApiFeature): boolean {
    return !this.unsupportedFeatures.includes(feature);
  }
}

/** Checks a source: exactly one of namespace or cidrs, labels only with a namespace, nothing empty. */
export function validateFrontDoorSource(field: string, source: FrontDoorSource): FrontDoorSource {
  if (source === null || typeof source !== 'object' || Array.isArray(source)) {
    throw new ValidationError(field, source, 'Must be an object: { "namespace": "<ns>", "podLabels": {...} } for a proxy in the cluster, or { "cidrs": ["<range>"] } for one outside it.');
  }
  const unknown = Object.keys(source).find((k) => !['namespace', 'podLabels', 'cidrs'].includes(k));
  if (unknown !== undefined) throw new ValidationError(`${field}.${unknown}`, (source as Record<string, unknown>)[unknown], 'Must be one of namespace, podLabels, cidrs: unknown key.');
  if ((source.namespace === undefined) === (source.cidrs === undefined)) {
    throw new ValidationError(field, source, 'Needs exactly one of namespace (a proxy in the cluster) and cidrs (a proxy outside it).');
  }
  if (source.namespace !== undefined) validateDnsLabel(`${field}.namespace`, source.namespace);
  if (source.podLabels !== undefined) {
    if (source.namespace === undefined) throw new ValidationError(`${field}.podLabels`, source.podLabels, 'Only applies with namespace: addresses carry no labels.');
    if (source.podLabels === null || typeof source.podLabels !== 'object' || Array.isArray(source.podLabels) || Object.keys(source.podLabels).length === 0) {
      throw new ValidationError(`${field}.podLabels`, source.podLabels, 'Must hold at least one label, e.g. { "app.kubernetes.io/name": "traefik" }; leave it out to admit every pod of the namespace.');
    }
    for (const [key, value] of Object.entries(source.podLabels)) {
      if (!/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(key)) {
        throw new ValidationError(`${field}.podLabels key`, key, 'Must be a label key such as "app.kubernetes.io/name".');
      }
      validateLabelValue(`${field}.podLabels.${key}`, value);
    }
  }
  if (source.cidrs !== undefined) {
    if (!Array.isArray(source.cidrs) || source.cidrs.length === 0) {
      throw new ValidationError(`${field}.cidrs`, source.cidrs, 'Must be a non-empty list of CIDRs, e.g. ["172.18.0.0/16"]: an empty list would admit no proxy at all.');
    }
    source.cidrs.forEach((cidr, i) => validateCidr(`${field}.cidrs[${i}]`, cidr));
  }
  return source;
}

/** The NetworkPolicy peer of a source. */
export function sourcePeer(source: FrontDoorSource, name?: string): Peer {
  return source.cidrs !== undefined ? Peer.cidrs(source.cidrs, name) : Peer.namespace(source.namespace!, source.podLabels);
}
