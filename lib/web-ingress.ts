/**
 * An Ingress that routes one host (and path) to a Service port, with optional TLS.
 */
import * as k8s from '../imports/k8s';
import { Construct } from 'constructs';
import {
  fieldOf, namespaceFor, validateDnsLabel, validateDnsSubdomain, validateHostname, validateHttpPath, validateOneOf,
} from './prop-checks';
import { checkUniqueObjects } from './unique-objects';

/** Props of {@link WebIngress}. */
export interface WebIngressProps {
  /**
   * Namespace of the Ingress and its backend Service.
   * @default - the Chart's namespace, else 'default'
   */
  readonly namespace?: string;
  /**
   * Ingress name.
   * @default 'web'
   */
  readonly name?: string;
  /**
   * Backend Service name.
   * @default 'web'
   */
  readonly serviceName?: string;
  /**
   * Backend Service port name.
   * @default 'http'
   */
  readonly servicePortName?: string;
  /**
   * IngressClass that serves it. `nginx` is what kind's and minikube's ingress-nginx setups register.
   * @default 'nginx'
   */
  readonly className?: string;
  /**
   * Host the rule matches (a name; IP addresses are refused). `*.localtest.me` resolves to 127.0.0.1 everywhere, which suits kind and minikube tunnels.
   * @default 'refarch.localtest.me'
   */
  readonly host?: string;
  /**
   * Path the rule matches.
   * @default '/'
   */
  readonly path?: string;
  /**
   * How `path` matches.
   * @default 'Prefix'
   */
  readonly pathType?: 'Prefix' | 'Exact' | 'ImplementationSpecific';
  /**
   * Name of a `kubernetes.io/tls` Secret (in the same namespace) holding the certificate for `host`.
   * The Secret is not rendered here: create it with `kubectl create secret tls` or cert-manager.
   * @default - no TLS, plain HTTP
   */
  readonly tlsSecretName?: string;
  /**
   * Labels of the Ingress.
   * @default - none
   */
  readonly labels?: Record<string, string>;
}

/** A single-host Ingress in front of one Service port. */
export class WebIngress extends Construct {
  public readonly host: string;
  public readonly ingress: k8s.KubeIngress;

  constructor(scope: Construct, id: string, props: WebIngressProps = {}) {
    super(scope, id);
    const f = (prop: string) => fieldOf(this, prop);
    checkUniqueObjects(this);
    const namespace = namespaceFor(this, f('namespace'), props.namespace);
    const name = validateDnsSubdomain(f('name'), props.name ?? 'web');
    const serviceName = validateDnsLabel(f('serviceName'), props.serviceName ?? 'web');
    const portName = validateDnsLabel(f('servicePortName'), props.servicePortName ?? 'http', 15);
    const className = validateDnsSubdomain(f('className'), props.className ?? 'nginx');
    this.host = validateHostname(f('host'), props.host ?? 'refarch.localtest.me');
    const path = validateHttpPath(f('path'), props.path ?? '/');
    const pathType = validateOneOf(f('pathType'), props.pathType ?? 'Prefix', ['Prefix', 'Exact', 'ImplementationSpecific'] as const);
    if (props.tlsSecretName !== undefined) validateDnsSubdomain(f('tlsSecretName'), props.tlsSecretName);

    this.ingress = new k8s.KubeIngress(this, 'Resource', {
      metadata: { name, namespace, labels: props.labels },
      spec: {
        ingressClassName: className,
        tls: props.tlsSecretName ? [{ hosts: [this.host], secretName: props.tlsSecretName }] : undefined,
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
