/**
 * An Ingress that routes one host (and path) to a web tier's Service port, with optional TLS.
 */
import { compact } from './compact';
import * as k8s from './k8s';
import { Construct } from 'constructs';
import { validateLabels } from './labels';
import {
  LabelledProps, ValidationError, fieldOf, namespaceFor, validateDnsLabel, validateDnsSubdomain, validateHostname, validateHttpPath, validateOneOf,
} from './prop-checks';
import { checkUniqueObjects } from './unique-objects';

/** The Service port an Ingress routes to: a WebTier satisfies it. */
export interface IWebBackend {
  /**
   * Namespace of the Service: an Ingress routes only within its own.
   * @default - the Ingress's
   */
  readonly namespace?: string | undefined;
  readonly serviceName: string;
  /** Name of the Service port. */
  readonly servicePortName: string;
}

/** Backends that are not a WebTier. */
export class WebBackend {
  /**
   * A Service made elsewhere (by another library, or by hand), by name and port name, in
   * the Ingress's namespace. Nothing checks that it exists: prefer passing the WebTier.
   */
  public static fromServiceName(serviceName: string, servicePortName: string): IWebBackend {
    return { serviceName, servicePortName };
  }

  private constructor() {}
}

/** Props of {@link WebIngress}. */
export interface WebIngressProps extends LabelledProps {
  /**
   * Namespace of the Ingress; an Ingress routes only to Services of its own.
   * @default - the backend's namespace, else the Chart's, else 'default'
   */
  readonly namespace?: string | undefined;
  /**
   * Ingress name.
   * @default 'web'
   */
  readonly name?: string | undefined;
  /**
   * Where the Ingress routes: a WebTier, or `WebBackend.fromServiceName(...)`.
   * @default - the Service `web`, port `http` (what `new WebTier(this, 'web')` makes)
   */
  readonly backend?: IWebBackend | undefined;
  /**
   * IngressClass that serves it. `traefik` is what Traefik's Helm chart registers, the
   * controller this project defaults to and proves on its clusters (ingress-nginx, whose class
   * is `nginx`, was retired in March 2026); kind's cloud-provider-kind registers
   * `cloud-provider-kind`. See docs/front-door.md.
   * @default 'traefik'
   */
  readonly className?: string | undefined;
  /**
   * Host the rule matches (a name; IP addresses are refused). `*.localtest.me` resolves to 127.0.0.1 everywhere, which suits kind and minikube tunnels.
   * @default 'refarch.localtest.me'
   */
  readonly host?: string | undefined;
  /**
   * Path the rule matches: absolute; with pathType Prefix or Exact also without `//`,
   * `/./`, `/../` or an encoded slash (`%2f`), and not ending in `/.` or `/..` (the API
   * server's rules).
   * @default '/'
   */
  readonly path?: string | undefined;
  /**
   * How `path` matches.
   * @default 'Prefix'
   */
  readonly pathType?: 'Prefix' | 'Exact' | 'ImplementationSpecific' | undefined;
  /**
   * Name of a `kubernetes.io/tls` Secret (in the same namespace) holding the certificate for `host`.
   * The Secret is not rendered here: create it with `kubectl create secret tls` or cert-manager.
   * @default - no TLS, plain HTTP
   */
  readonly tlsSecretName?: string | undefined;
}

/** A single-host Ingress in front of one Service port. */
export class WebIngress extends Construct {
  public readonly host: string;
  public readonly ingress: k8s.KubeIngress;
  public readonly backend: IWebBackend;

  constructor(scope: Construct, id: string, props: WebIngressProps = {}) {
    super(scope, id);
    const f = (prop: string) => fieldOf(this, prop);
    checkUniqueObjects(this);
    // An Ingress routes only within its namespace: the backend's is the one that works.
    const namespace = namespaceFor(this, f('namespace'), props.namespace ?? props.backend?.namespace);
    const name = validateDnsSubdomain(f('name'), props.name ?? 'web');
    const backend = props.backend ?? WebBackend.fromServiceName('web', 'http');
    if (backend === null || typeof backend !== 'object') {
      throw new ValidationError(f('backend'), backend, 'Must be a WebTier or WebBackend.fromServiceName(serviceName, servicePortName).');
    }
    if (backend.namespace !== undefined && backend.namespace !== namespace) {
      throw new ValidationError(f('backend'), backend.namespace, `Must be in the Ingress's namespace ("${namespace}"): an Ingress cannot route to a Service of another namespace.`);
    }
    const serviceName = validateDnsLabel(f('backend.serviceName'), backend.serviceName);
    const portName = validateDnsLabel(f('backend.servicePortName'), backend.servicePortName, 15);
    this.backend = { namespace, serviceName, servicePortName: portName };
    const className = validateDnsSubdomain(f('className'), props.className ?? 'traefik');
    this.host = validateHostname(f('host'), props.host ?? 'refarch.localtest.me');
    const pathType = validateOneOf(f('pathType'), props.pathType ?? 'Prefix', ['Prefix', 'Exact', 'ImplementationSpecific'] as const);
    const path = validateIngressPath(f('path'), props.path ?? '/', pathType);
    if (props.tlsSecretName !== undefined) validateDnsSubdomain(f('tlsSecretName'), props.tlsSecretName);

    this.ingress = new k8s.KubeIngress(this, 'Resource', {
      metadata: compact({ name, namespace, labels: validateLabels(f('labels'), props.labels) }),
      spec: {
        ingressClassName: className,
        ...(props.tlsSecretName ? { tls: [{ hosts: [this.host], secretName: props.tlsSecretName }] } : {}),
        rules: [{
          host: this.host,
          http: {
            paths: [{
              path,
              pathType,
              backend: { service: { name: serviceName, port: { name: portName } } },
            }],
          },
        }],
      },
    });
  }
}

// validateIngressPath in k8s.io/kubernetes/pkg/apis/networking/validation: for Exact and
// Prefix paths, these sequences anywhere and these endings are refused.
const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];

/**
 * An Ingress rule path the API server accepts for `pathType` (validateIngressPath), on
 * top of this folder's rule for HTTP paths (absolute, no white space).
 */
export function validateIngressPath(field: string, value: string, pathType: 'Prefix' | 'Exact' | 'ImplementationSpecific'): string {
  validateHttpPath(field, value);
  if (pathType === 'ImplementationSpecific') return value;
  const sequence = INVALID_PATH_SEQUENCES.find((s) => value.includes(s));
  const suffix = INVALID_PATH_SUFFIXES.find((s) => value.endsWith(s));
  if (sequence !== undefined || suffix !== undefined) {
    throw new ValidationError(field, value, `Must be a normalized path for pathType ${pathType}, as the API server requires: no "//", "/./", "/../" or encoded "/" ("%2f"), and not ending in "/." or "/.." (here it ${sequence !== undefined ? `contains "${sequence}"` : `ends in "${suffix}"`}). E.g. "/api/v1".`);
  }
  return value;
}
