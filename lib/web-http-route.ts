/**
 * An HTTPRoute (gateway.networking.k8s.io/v1, standard channel) that routes one host (and
 * path) to a web tier's Service port, attached to a Gateway: a {@link WebGateway} of its
 * own, or a shared one named with `GatewayParent.existing(...)`. With a Gateway that
 * terminates TLS, a second route answers plain HTTP with a redirect to HTTPS.
 *
 * The Gateway API counterpart of {@link WebIngress}; docs/front-door.md maps one onto the other.
 */
import { Complete, compact } from './compact';
import { Construct } from 'constructs';
import * as gw from './gateway-api';
import { GatewayApiFeature } from './front-door-controller';
import {
  LabelledProps, ValidationError, fieldOf, namespaceFor, validateDnsLabel, validateDnsSubdomain, validateHostname, validateHttpPath, validateOneOf, validatePort,
} from './prop-checks';
import { checkUniqueObjects } from './unique-objects';
import { IGatewayParent, WebGateway } from './web-gateway';

/** The Service port an HTTPRoute routes to (by number: backendRefs name ports by number): a WebTier satisfies it. */
export interface IHttpBackend {
  /**
   * Namespace of the Service: the route routes only within its own (no ReferenceGrant).
   * @default - the route's
   */
  readonly namespace?: string | undefined;
  readonly serviceName: string;
  /** Number of the Service port. */
  readonly servicePort: number;
}

/** Backends that are not a WebTier. */
export class HttpBackend {
  /**
   * A Service made elsewhere, by name and port number, in the route's namespace. Nothing
   * checks that it exists: prefer passing the WebTier.
   */
  public static fromService(serviceName: string, servicePort: number): IHttpBackend {
    return { serviceName, servicePort };
  }

  private constructor() {}
}

/** Props of {@link WebHttpRoute}. */
export interface WebHttpRouteProps extends LabelledProps {
  /**
   * Route name; the redirect route is `<name>-https-redirect`.
   * @default 'web'
   */
  readonly name?: string | undefined;
  /** The Gateway to attach to: a WebGateway, or `GatewayParent.existing({ namespace, name, sectionName })`. */
  readonly parent: IGatewayParent;
  /**
   * Where the route sends requests: a WebTier, or `HttpBackend.fromService(...)`.
   * @default - the Service `web`, port 80 (what `new WebTier(this, 'web')` makes)
   */
  readonly backend?: IHttpBackend | undefined;
  /**
   * Hostname the route matches (a name; IP addresses are refused).
   * @default - the parent's listener hostname, else 'refarch.localtest.me'
   */
  readonly host?: string | undefined;
  /**
   * Path the rule matches.
   * @default '/'
   */
  readonly path?: string | undefined;
  /**
   * How `path` matches (`PathPrefix` matches whole segments, as Ingress's `Prefix`).
   * @default 'PathPrefix'
   */
  readonly pathMatch?: 'PathPrefix' | 'Exact' | undefined;
  /**
   * Most time from the request's start to the end of the response, as a Gateway API
   * duration ("30s", "1m", "500ms"); "0s" turns the controller's own default off.
   * (Gateway API feature HTTPRouteRequestTimeout: refused for a controller that does not implement it.)
   * @default - the controller's default
   */
  readonly requestTimeout?: string | undefined;
  /**
   * Most time for one request to a backend pod (retries may make several), at most `requestTimeout`.
   * (Gateway API feature HTTPRouteBackendTimeout.)
   * @default - the controller's default
   */
  readonly backendRequestTimeout?: string | undefined;
  /**
   * Answer plain HTTP with a 301 redirect to HTTPS (a second route on the parent's redirect
   * listener). Only with a parent that has one (a WebGateway with a certificate).
   * @default - true when the parent has a redirect listener
   */
  readonly httpsRedirect?: boolean | undefined;
}

// Gateway API Duration (GEP-2257), as the CRD's pattern has it.
const DURATION = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;

/** An HTTPRoute to one Service port, and optionally its HTTP-to-HTTPS redirect. */
export class WebHttpRoute extends Construct {
  public readonly route: gw.HttpRoute;
  /** The redirect route, when plain HTTP redirects to HTTPS. */
  public readonly redirectRoute?: gw.HttpRoute | undefined;
  public readonly host: string;
  public readonly backend: Complete<IHttpBackend>;
  public readonly parent: IGatewayParent;

  constructor(scope: Construct, id: string, props: WebHttpRouteProps) {
    super(scope, id);
    const f = (prop: string) => fieldOf(this, prop);
    checkUniqueObjects(this);
    if (props === null || typeof props !== 'object') throw new ValidationError(f('props'), props, 'Must be an object with at least parent.');
    const parent = props.parent;
    if (parent === null || typeof parent !== 'object' || typeof parent.gatewayName !== 'string' || typeof parent.gatewayNamespace !== 'string') {
      throw new ValidationError(f('parent'), parent, 'Required: a WebGateway, or GatewayParent.existing({ namespace, name, sectionName }).');
    }
    this.parent = parent;
    // A backendRef reaches only the route's own namespace without a ReferenceGrant: the backend's namespace is the one that works.
    const namespace = namespaceFor(this, f('namespace'), props.namespace ?? props.backend?.namespace);
    if (parent instanceof WebGateway && parent.gatewayNamespace !== namespace) {
      throw new ValidationError(f('parent'), parent.gatewayNamespace,
        `Must be in the route's namespace ("${namespace}"): a WebGateway admits routes of its own namespace only (allowedRoutes: Same).`);
    }
    const name = validateDnsSubdomain(f('name'), props.name ?? 'web');
    const backend = props.backend ?? HttpBackend.fromService('web', 80);
    if (backend === null || typeof backend !== 'object') {
      throw new ValidationError(f('backend'), backend, 'Must be a WebTier or HttpBackend.fromService(serviceName, servicePort).');
    }
    if (backend.namespace !== undefined && backend.namespace !== namespace) {
      throw new ValidationError(f('backend'), backend.namespace,
        `Must be in the route's namespace ("${namespace}"): a route to another namespace's Service needs a ReferenceGrant there, which this construct does not render.`);
    }
    this.backend = {
      namespace,
      serviceName: validateDnsLabel(f('backend.serviceName'), backend.serviceName),
      servicePort: validatePort(f('backend.servicePort'), backend.servicePort),
    };
    this.host = validateHostname(f('host'), props.host ?? parent.listenerHostname ?? 'refarch.localtest.me');
    if (parent.listenerHostname !== undefined && !hostMatches(parent.listenerHostname, this.host)) {
      throw new ValidationError(f('host'), this.host, `Must match the Gateway's listener hostname "${parent.listenerHostname}": the route would attach to no listener.`);
    }
    const path = validateHttpPath(f('path'), props.path ?? '/');
    const pathMatch = validateOneOf(f('pathMatch'), props.pathMatch ?? 'PathPrefix', ['PathPrefix', 'Exact'] as const);
    const timeouts = this.timeouts(f, props);
    const redirect = props.httpsRedirect ?? parent.redirectSection !== undefined;
    if (typeof redirect !== 'boolean') throw new ValidationError(f('httpsRedirect'), redirect, 'Must be true or false.');
    if (redirect && parent.redirectSection === undefined) {
      throw new ValidationError(f('httpsRedirect'), redirect, 'Needs a parent with a plain-HTTP listener next to an HTTPS one (a WebGateway with tlsSecretName); a shared Gateway\'s owner handles its plain HTTP.');
    }

    const parentRef = (sectionName?: string): gw.HttpRouteSpecParentRefs => compact({
      group: 'gateway.networking.k8s.io', kind: 'Gateway', name: parent.gatewayName,
      // The namespace only when it differs: the route's own is the default.
      namespace: parent.gatewayNamespace === namespace ? undefined : parent.gatewayNamespace,
      sectionName,
    });
    const metadata = (n: string) => compact({ name: n, namespace, labels: props.labels });
    this.route = new gw.HttpRoute(this, 'Resource', {
      metadata: metadata(name),
      spec: {
        parentRefs: [parentRef(parent.servingSection)],
        hostnames: [this.host],
        rules: [compact({
          matches: [{ path: { type: pathMatch === 'Exact' ? gw.HttpRouteSpecRulesMatchesPathType.EXACT : gw.HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: path } }],
          backendRefs: [{ kind: 'Service', name: this.backend.serviceName, port: this.backend.servicePort }],
          timeouts,
        })],
      },
    });
    if (redirect) {
      this.redirectRoute = new gw.HttpRoute(this, 'HttpsRedirect', {
        metadata: metadata(validateDnsSubdomain(f('name'), `${name}-https-redirect`)),
        spec: {
          parentRefs: [parentRef(parent.redirectSection)],
          hostnames: [this.host],
          // No port: the Gateway API derives 443 from the scheme, whatever port the listener has.
          rules: [{
            filters: [{
              type: gw.HttpRouteSpecRulesFiltersType.REQUEST_REDIRECT,
              requestRedirect: { scheme: gw.HttpRouteSpecRulesFiltersRequestRedirectScheme.HTTPS, statusCode: gw.HttpRouteSpecRulesFiltersRequestRedirectStatusCode.VALUE_301 },
            }],
          }],
        },
      });
    }
  }

  /** The rule's timeouts, checked against the format, each other and what the controller implements. */
  private timeouts(f: (prop: string) => string, props: WebHttpRouteProps): gw.HttpRouteSpecRulesTimeouts | undefined {
    const check = (prop: 'requestTimeout' | 'backendRequestTimeout', feature: GatewayApiFeature): string | undefined => {
      const value = props[prop];
      if (value === undefined) return undefined;
      if (typeof value !== 'string' || !DURATION.test(value)) {
        throw new ValidationError(f(prop), value, 'Must be a Gateway API duration: 1-4 groups of a number (up to 5 digits) and h, m, s or ms, e.g. "30s", "1m30s", "500ms".');
      }
      const controller = this.parent.controller;
      if (controller !== undefined && !controller.supports(feature)) {
        throw new ValidationError(f(prop), value,
          `Needs a controller that implements ${feature}: ${controller.name} does not (its Gateway API conformance report lists it as unsupported) and would ignore the field. `
          + `Configure the timeout in ${controller.name} itself, or use a controller that implements it.`);
      }
      return value;
    };
    const request = check('requestTimeout', 'HTTPRouteRequestTimeout');
    const backendRequest = check('backendRequestTimeout', 'HTTPRouteBackendTimeout');
    if (request !== undefined && backendRequest !== undefined && durationMs(request) !== 0 && durationMs(backendRequest) > durationMs(request)) {
      throw new ValidationError(f('backendRequestTimeout'), backendRequest, `Must be at most requestTimeout ("${request}"): one backend request cannot outlast the whole request.`);
    }
    return request === undefined && backendRequest === undefined ? undefined : compact({ request, backendRequest });
  }
}

/** Milliseconds of a valid Gateway API duration. */
export function durationMs(duration: string): number {
  const unit: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  let total = 0;
  for (const [, n, u] of duration.matchAll(/([0-9]+)(ms|h|m|s)/g)) total += Number(n) * unit[u!]!; // both groups always take part
  return total;
}

/** Whether a route hostname falls under a listener hostname (which may be a `*.` wildcard). */
function hostMatches(listener: string, host: string): boolean {
  if (listener === host) return true;
  if (listener.startsWith('*.')) {
    const suffix = listener.slice(1);
    return host.endsWith(suffix) && host.length > suffix.length;
  }
  return false;
}
