/**
 * A Gateway (gateway.networking.k8s.io/v1, standard channel) of its own for one host: an
 * HTTP listener, and with a certificate an HTTPS listener that terminates TLS with it.
 * Both admit routes from the Gateway's namespace only (`allowedRoutes: Same`), so no
 * other team's HTTPRoute can attach to it.
 *
 * A cluster with a shared Gateway owned by the platform team needs none of this: attach
 * a {@link WebHttpRoute} to it with `GatewayParent.existing(...)`.
 */
import { compact } from './compact';
import { Construct } from 'constructs';
import * as gw from './gateway-api';
import { FrontDoorController } from './front-door-controller';
import { LabelledProps, ValidationError, fieldOf, namespaceFor, validateDnsLabel, validateDnsSubdomain, validateHostname, validateInteger } from './prop-checks';
import { checkUniqueObjects } from './unique-objects';

/** The Gateway an HTTPRoute attaches to: a WebGateway, or `GatewayParent.existing(...)`. */
export interface IGatewayParent {
  /** Namespace of the Gateway. */
  readonly gatewayNamespace: string;
  /** Name of the Gateway. */
  readonly gatewayName: string;
  /**
   * Listener that routes serving the app attach to.
   * @default - every listener of the Gateway that admits the route
   */
  readonly servingSection?: string | undefined;
  /**
   * Listener on which routes only redirect to HTTPS.
   * @default - none: the Gateway's owner handles plain HTTP
   */
  readonly redirectSection?: string | undefined;
  /**
   * Hostname of the listeners, which a route's hostname must match.
   * @default - any
   */
  readonly listenerHostname?: string | undefined;
  /**
   * Controller that serves the Gateway, for the features it implements.
   * @default - unknown: nothing is refused on its account
   */
  readonly controller?: FrontDoorController | undefined;
}

/** Props of {@link GatewayParent.existing}. */
export interface ExistingGatewayProps {
  /** Namespace of the shared Gateway. */
  readonly namespace: string;
  /** Name of the shared Gateway. */
  readonly name: string;
  /**
   * Listener to attach to.
   * @default - every listener of the Gateway that admits the route
   */
  readonly sectionName?: string | undefined;
  /**
   * Controller that serves it.
   * @default - unknown: nothing is refused on its account
   */
  readonly controller?: FrontDoorController | undefined;
}

/** Gateways that are not a WebGateway. */
export class GatewayParent {
  /**
   * A Gateway made elsewhere (typically a shared one of the platform team). Its listener must
   * admit routes from the route's namespace (`allowedRoutes`), which nothing here can check.
   */
  public static existing(props: ExistingGatewayProps): IGatewayParent {
    const f = (prop: string) => `GatewayParent.existing: ${prop}`;
    if (props === null || typeof props !== 'object') throw new ValidationError(f('props'), props, 'Must be { namespace, name, sectionName? }.');
    validateDnsLabel(f('namespace'), props.namespace);
    validateDnsSubdomain(f('name'), props.name);
    if (props.sectionName !== undefined) validateSectionName(f('sectionName'), props.sectionName);
    return { gatewayNamespace: props.namespace, gatewayName: props.name, servingSection: props.sectionName, controller: props.controller };
  }

  private constructor() {}
}

/** Props of {@link WebGateway}. */
export interface WebGatewayProps extends LabelledProps {
  /**
   * Gateway name.
   * @default 'web'
   */
  readonly name?: string | undefined;
  /**
   * Controller that serves it: its GatewayClass and listener ports are the defaults.
   * @default FrontDoorController.traefik()
   */
  readonly controller?: FrontDoorController | undefined;
  /**
   * GatewayClass.
   * @default - the GatewayClass of the controller (traefik for Traefik)
   */
  readonly className?: string | undefined;
  /**
   * Hostname both listeners serve (a name; IP addresses are refused).
   * @default 'refarch.localtest.me'
   */
  readonly host?: string | undefined;
  /**
   * Name of a `kubernetes.io/tls` Secret (in the Gateway's namespace) with the certificate for
   * `host`: adds the HTTPS listener, which terminates TLS with it. Not rendered here.
   * @default - HTTP only
   */
  readonly tlsSecretName?: string | undefined;
  /**
   * Port of the HTTP listener.
   * @default - the controller's (Traefik: 8000, its entry point `web`; others 80)
   */
  readonly httpPort?: number | undefined;
  /**
   * Port of the HTTPS listener.
   * @default - the controller's (Traefik: 8443, its entry point `websecure`; others 443)
   */
  readonly httpsPort?: number | undefined;
}

/** A Gateway with an HTTP and an optional HTTPS listener for one host. */
export class WebGateway extends Construct implements IGatewayParent {
  public readonly gateway: gw.Gateway;
  public readonly gatewayNamespace: string;
  public readonly gatewayName: string;
  public readonly controller: FrontDoorController;
  public readonly listenerHostname: string;
  /** `https` with a certificate, else `http`. */
  public readonly servingSection: string;
  /** `http` with a certificate (plain HTTP then only redirects), else undefined. */
  public readonly redirectSection?: string | undefined;
  /** Name of the certificate Secret, when there is an HTTPS listener. */
  public readonly tlsSecretName?: string | undefined;

  constructor(scope: Construct, id: string, props: WebGatewayProps = {}) {
    super(scope, id);
    const f = (prop: string) => fieldOf(this, prop);
    checkUniqueObjects(this);
    this.gatewayNamespace = namespaceFor(this, f('namespace'), props.namespace);
    this.gatewayName = validateDnsSubdomain(f('name'), props.name ?? 'web');
    const controller = props.controller ?? FrontDoorController.traefik();
    if (!(controller instanceof FrontDoorController)) {
      throw new ValidationError(f('controller'), controller, 'Must be a FrontDoorController (FrontDoorController.traefik(), .envoyGateway(), .cloudProviderKind([...]), .of({...})).');
    }
    this.controller = controller;
    const className = props.className ?? controller.gatewayClassName;
    if (className === undefined) {
      throw new ValidationError(f('className'), className, `Required: ${controller.name} registers no GatewayClass (it serves no Gateway). Name the GatewayClass, or use a controller that serves the Gateway API.`);
    }
    validateDnsSubdomain(f('className'), className);
    this.listenerHostname = validateHostname(f('host'), props.host ?? 'refarch.localtest.me');
    const httpPort = validateInteger(f('httpPort'), props.httpPort ?? controller.httpListenerPort, 1, 65535);
    const httpsPort = validateInteger(f('httpsPort'), props.httpsPort ?? controller.httpsListenerPort, 1, 65535);
    if (props.tlsSecretName !== undefined) {
      this.tlsSecretName = validateDnsSubdomain(f('tlsSecretName'), props.tlsSecretName);
      if (httpsPort === httpPort) throw new ValidationError(f('httpsPort'), httpsPort, 'Must differ from httpPort: one port cannot serve both plain HTTP and HTTPS.');
    } else if (props.httpsPort !== undefined) {
      throw new ValidationError(f('httpsPort'), props.httpsPort, 'Only applies with tlsSecretName (there is no HTTPS listener without a certificate).');
    }
    this.servingSection = this.tlsSecretName ? 'https' : 'http';
    this.redirectSection = this.tlsSecretName ? 'http' : undefined;

    // Routes of this namespace only: a Gateway of one application must not route another's traffic.
    const allowedRoutes = { namespaces: { from: gw.GatewaySpecListenersAllowedRoutesNamespacesFrom.SAME } };
    const listeners: gw.GatewaySpecListeners[] = [{ name: 'http', protocol: 'HTTP', port: httpPort, hostname: this.listenerHostname, allowedRoutes }];
    if (this.tlsSecretName) {
      listeners.push({
        name: 'https', protocol: 'HTTPS', port: httpsPort, hostname: this.listenerHostname, allowedRoutes,
        tls: { mode: gw.GatewaySpecListenersTlsMode.TERMINATE, certificateRefs: [{ kind: 'Secret', name: this.tlsSecretName }] },
      });
    }
    this.gateway = new gw.Gateway(this, 'Resource', {
      metadata: compact({ name: this.gatewayName, namespace: this.gatewayNamespace, labels: props.labels }),
      spec: { gatewayClassName: className, listeners },
    });
  }
}

/** A Gateway listener name (a DNS-1123 subdomain, as the CRD requires). */
export function validateSectionName(field: string, value: string): string {
  return validateDnsSubdomain(field, value);
}
