/**
 * The front door of the reference architecture, from its settings: an Ingress, a Gateway
 * API HTTPRoute (to a Gateway of its own or to a shared one), or both while an environment
 * moves from one to the other, and who the web pods admit on their port: the proxies of the
 * controllers that serve them (or the sources `networkPolicies.webFrom` names).
 *
 * It refuses settings in which nothing could reach the web pods, naming the setting. The
 * constructs it uses (WebIngress, WebGateway, WebHttpRoute) validate their own props.
 */
import { Construct } from 'constructs';
import { FrontDoorController, FrontDoorPreset, FrontDoorSource, sourcePeer, validateFrontDoorSource } from './front-door-controller';
import { Peer } from './network-policies';
import { ValidationError, validateDnsLabel, validateDnsSubdomain } from './prop-checks';
import { ExistingGatewayProps, GatewayParent, IGatewayParent, WebGateway, WebGatewayProps } from './web-gateway';
import { WebHttpRoute, WebHttpRouteProps } from './web-http-route';
import { WebIngress, WebIngressProps } from './web-ingress';
import { WebTier } from './web-tier';

/** Settings of the Ingress: the {@link WebIngressProps} an environment may set. */
export interface IngressSettings extends Pick<WebIngressProps, 'className' | 'host' | 'path' | 'tlsSecretName'> {
  /** Render the Ingress. @default true */
  readonly enabled?: boolean | undefined;
  /**
   * Controller that serves the Ingress: the IngressClass defaults to the controller's, and the
   * web pods admit its proxy (see docs/front-door.md for each preset).
   * @default 'traefik'
   */
  readonly controller?: FrontDoorPreset | undefined;
}

/** A shared Gateway to attach the HTTPRoute to, instead of rendering one. */
export interface ExistingGatewaySettings extends Pick<ExistingGatewayProps, 'namespace' | 'name' | 'sectionName'> {}

/**
 * Settings of the Gateway API front door: a {@link WebGateway} (unless `existingGateway`) and
 * a {@link WebHttpRoute}, with the props an environment may set (same meaning and defaults).
 */
export interface GatewaySettings extends Pick<WebGatewayProps, 'className' | 'host' | 'tlsSecretName' | 'httpPort' | 'httpsPort'>,
  Pick<WebHttpRouteProps, 'path' | 'pathMatch' | 'requestTimeout' | 'backendRequestTimeout'> {
  /** Render the Gateway API front door. @default false */
  readonly enabled?: boolean | undefined;
  /**
   * Controller that serves the Gateway: the GatewayClass and listener ports default to the
   * controller's, timeouts it does not implement are refused, and the web pods admit its proxy.
   * @default 'traefik'
   */
  readonly controller?: FrontDoorPreset | undefined;
  /**
   * Attach the HTTPRoute to this Gateway (typically the platform team's shared one) instead
   * of rendering a Gateway; className, tlsSecretName, httpPort and httpsPort then do not apply.
   * @default - a Gateway of the environment's own
   */
  readonly existingGateway?: ExistingGatewaySettings | undefined;
}

/** What {@link renderFrontDoor} needs besides the settings. */
export interface FrontDoorContext {
  /** Prefix of the setting names in messages (the environment, e.g. `dev`). */
  readonly id: string;
  readonly namespace: string;
  /** Name of the Ingress, Gateway and HTTPRoute. */
  readonly name: string;
  readonly labels?: Record<string, string> | undefined;
  readonly web: WebTier;
  /** The web Service's type: NodePort and LoadBalancer receive their traffic from the nodes. */
  readonly serviceType: string;
  readonly ingress: IngressSettings;
  readonly gateway: GatewaySettings;
  /** `networkPolicies.webFrom`. */
  readonly webFrom?: FrontDoorSource[] | undefined;
  /** `networkPolicies.ingressControllerNamespace`. */
  readonly ingressControllerNamespace?: string | undefined;
}

/** The front door's objects and who may open the web port. */
export interface FrontDoor {
  readonly ingress?: WebIngress | undefined;
  readonly gateway?: WebGateway | undefined;
  readonly httpRoute?: WebHttpRoute | undefined;
  /** The source of the web port's NetworkPolicy rule. */
  readonly webFrom: Peer;
}

/** Renders the front door the settings ask for into `scope`. */
export function renderFrontDoor(scope: Construct, ctx: FrontDoorContext): FrontDoor {
  const field = (key: string) => `${ctx.id}: ${key}`;
  const { enabled: ingressEnabledSetting, controller: ingressPreset, ...ingressProps } = ctx.ingress;
  const { enabled: gatewayEnabledSetting, controller: gatewayPreset, existingGateway, ...gatewayProps } = ctx.gateway;
  const ingressEnabled = ingressEnabledSetting ?? true;
  const gatewayEnabled = gatewayEnabledSetting ?? false;
  refuseUnused(field, 'ingress', ingressEnabled, { ...ingressProps, controller: ingressPreset });
  refuseUnused(field, 'gateway', gatewayEnabled, { ...gatewayProps, controller: gatewayPreset, existingGateway });

  const clusterIp = ctx.serviceType === 'ClusterIP';
  if (clusterIp && !ingressEnabled && !gatewayEnabled) {
    throw new ValidationError(field('ingress.enabled, gateway.enabled'), false,
      'Needs a front door: nothing could reach the web pods, which with web.serviceType "ClusterIP" admit only a front door\'s proxy. Enable the Ingress or the Gateway API front door (or both, during a migration), or use web.serviceType "NodePort" or "LoadBalancer".');
  }
  const webFrom = checkWebFrom(field, ctx);
  const cidrs = webFrom?.flatMap((s) => s.cidrs ?? []);
  const controllerOf = (key: string, preset: FrontDoorPreset | undefined) =>
    FrontDoorController.preset(field(key), preset ?? 'traefik', cidrs && cidrs.length > 0 ? cidrs : undefined);
  const ingressController = ingressEnabled ? controllerOf('ingress.controller', ingressPreset) : undefined;
  const gatewayController = gatewayEnabled ? controllerOf('gateway.controller', gatewayPreset) : undefined;

  let ingress: WebIngress | undefined;
  if (ingressController) {
    const className = ingressProps.className ?? ingressController.ingressClassName;
    if (className === undefined) {
      throw new ValidationError(field('ingress.controller'), ingressPreset,
        `Needs a controller that serves Ingress: ${ingressController.name} serves none, so nothing would route to the web pods. Use gateway.enabled with it, another ingress.controller, or set ingress.className.`);
    }
    ingress = new WebIngress(scope, 'Ingress', { ...ingressProps, className, namespace: ctx.namespace, name: ctx.name, backend: ctx.web, labels: ctx.labels });
  }

  let gateway: WebGateway | undefined;
  let httpRoute: WebHttpRoute | undefined;
  if (gatewayController) {
    const { path, pathMatch, requestTimeout, backendRequestTimeout, ...ownGatewayProps } = gatewayProps;
    let parent: IGatewayParent;
    if (existingGateway !== undefined) {
      for (const [key, value] of Object.entries(ownGatewayProps)) {
        if (key !== 'host' && value !== undefined) {
          throw new ValidationError(field(`gateway.${key}`), value, 'Conflicts with gateway.existingGateway: it configures a Gateway of the environment\'s own, and the shared Gateway\'s owner sets it there. Remove one of them.');
        }
      }
      // Checked here too, so an error names the setting as written.
      validateDnsLabel(field('gateway.existingGateway.namespace'), existingGateway.namespace);
      validateDnsSubdomain(field('gateway.existingGateway.name'), existingGateway.name);
      if (existingGateway.sectionName !== undefined) validateDnsSubdomain(field('gateway.existingGateway.sectionName'), existingGateway.sectionName);
      parent = GatewayParent.existing({ ...existingGateway, controller: gatewayController });
    } else {
      if (ownGatewayProps.className === undefined && gatewayController.gatewayClassName === undefined) {
        throw new ValidationError(field('gateway.controller'), gatewayPreset, `Needs a controller that serves the Gateway API: ${gatewayController.name} registers no GatewayClass. Set gateway.className, or use another gateway.controller.`);
      }
      parent = gateway = new WebGateway(scope, 'Gateway', { ...ownGatewayProps, controller: gatewayController, namespace: ctx.namespace, name: ctx.name, labels: ctx.labels });
    }
    httpRoute = new WebHttpRoute(scope, 'HttpRoute', {
      parent, host: gatewayProps.host, path, pathMatch, requestTimeout, backendRequestTimeout,
      namespace: ctx.namespace, name: ctx.name, backend: ctx.web, labels: ctx.labels,
    });
  }

  // A NodePort or LoadBalancer Service's traffic comes from the nodes: any source then.
  if (!clusterIp) return { ingress, gateway, httpRoute, webFrom: Peer.anyAddress() };
  const sources: FrontDoorSource[] = webFrom ?? [
    ...(ingressController ? [ctx.ingressControllerNamespace !== undefined ? { namespace: ctx.ingressControllerNamespace } : ingressController.source] : []),
    ...(gatewayController ? [gatewayController.source] : []),
  ];
  const unique = sources.filter((s, i) => sources.findIndex((o) => JSON.stringify(o) === JSON.stringify(s)) === i);
  const peer = unique.length === 1 ? sourcePeer(unique[0]!, 'web') : Peer.of(unique.flatMap((s) => sourcePeer(s).peers!), 'web');
  return { ingress, gateway, httpRoute, webFrom: peer };
}

/** `networkPolicies.webFrom` checked, or undefined; it and ingressControllerNamespace only with ClusterIP, never both. */
function checkWebFrom(field: (key: string) => string, ctx: FrontDoorContext): FrontDoorSource[] | undefined {
  const { webFrom, ingressControllerNamespace } = ctx;
  for (const [key, value] of [['networkPolicies.webFrom', webFrom], ['networkPolicies.ingressControllerNamespace', ingressControllerNamespace]] as const) {
    if (value !== undefined && ctx.serviceType !== 'ClusterIP') {
      throw new ValidationError(field(key), value,
        `Only applies with web.serviceType "ClusterIP" (it is "${ctx.serviceType}", whose traffic comes from the nodes, so the web port is open to any source). Remove it or use ClusterIP.`);
    }
  }
  if (webFrom !== undefined && ingressControllerNamespace !== undefined) {
    throw new ValidationError(field('networkPolicies.ingressControllerNamespace'), ingressControllerNamespace,
      'Conflicts with networkPolicies.webFrom, which names every source: put the namespace there, e.g. [{ "namespace": "..." }].');
  }
  if (ingressControllerNamespace !== undefined) {
    validateDnsLabel(field('networkPolicies.ingressControllerNamespace'), ingressControllerNamespace);
    refuseOwnNamespace(field('networkPolicies.ingressControllerNamespace'), ingressControllerNamespace, ctx.namespace);
  }
  if (webFrom === undefined) return undefined;
  if (webFrom.length === 0) {
    throw new ValidationError(field('networkPolicies.webFrom'), webFrom,
      'Must name at least one source: an empty list admits none, so nothing could reach the web pods. Name the proxy of the front door, e.g. [{ "namespace": "traefik" }] or [{ "cidrs": ["172.18.0.0/16"] }], or leave it out for the controllers\' presets.');
  }
  webFrom.forEach((s, i) => {
    validateFrontDoorSource(field(`networkPolicies.webFrom[${i}]`), s);
    if (s.namespace !== undefined) refuseOwnNamespace(field(`networkPolicies.webFrom[${i}].namespace`), s.namespace, ctx.namespace);
  });
  return webFrom;
}

/** A proxy in the app's own namespace would be under its default-deny: it could not open a connection to the web pods. */
function refuseOwnNamespace(field: string, value: string, namespace: string): void {
  if (value === namespace) {
    throw new ValidationError(field, value,
      `Must not be the environment's own namespace ("${namespace}"): its default-deny-all policy blocks a proxy there from opening any connection, so nothing could reach the web pods. Run the proxy in a namespace of its own.`);
  }
}

/** Refuses settings of a front door that is not enabled: they would be ignored silently. */
function refuseUnused(field: (key: string) => string, section: 'ingress' | 'gateway', enabled: boolean, settings: Record<string, unknown>): void {
  if (enabled) return;
  const [key, value] = Object.entries(settings).find(([, v]) => v !== undefined) ?? [];
  if (key !== undefined) {
    throw new ValidationError(field(`${section}.${key}`), value, `Only applies with ${section}.enabled true (it is false): enable it or remove the setting.`);
  }
}
