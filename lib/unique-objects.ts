/**
 * Refuses two Kubernetes objects with the same identity in one app: `kubectl apply`
 * would keep only the one applied last, silently. Every construct of this folder
 * registers the check (once per app) on the app root, so it covers every ApiObject of
 * the app: the constructs' own, other libraries' and the user's.
 *
 * Copying a construct into another project? Copy this file with it.
 */
import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';

// Shared through the global symbol registry, so two copies of this file in one app
// (e.g. from two libraries) still register the check once.
const REGISTERED = Symbol.for('refarch.example.com/unique-objects');

// Kinds that live outside namespaces: their metadata.namespace, if set, is ignored by the server.
const CLUSTER_SCOPED = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'StorageClass', 'IngressClass', 'GatewayClass', 'PriorityClass', 'RuntimeClass',
  'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'APIService', 'CSIDriver', 'CSINode',
  'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding', 'VolumeAttachment', 'CertificateSigningRequest', 'FlowSchema',
  'PriorityLevelConfiguration',
]);

/** Registers the duplicate-object check on the root of `scope`'s construct tree (once). */
export function checkUniqueObjects(scope: IConstruct): void {
  const root = scope.node.root as Construct & { [REGISTERED]?: true | undefined };
  if (root[REGISTERED]) return;
  root[REGISTERED] = true;
  root.node.addValidation({ validate: () => duplicateObjects(root) });
}

/**
 * One message per object whose identity (API group, kind, namespace, name) an earlier
 * object in the tree already has. Different versions of one group (`apps/v1`,
 * `apps/v1beta1`) count as the same: the server stores one object for both.
 */
export function duplicateObjects(root: IConstruct): string[] {
  const seen = new Map<string, string>();
  const errors: string[] = [];
  for (const c of root.node.findAll()) {
    if (!(c instanceof ApiObject)) continue;
    const group = c.apiVersion.includes('/') ? c.apiVersion.slice(0, c.apiVersion.indexOf('/')) : '';
    // No namespace: kubectl puts it in the context's namespace, `default` unless told otherwise.
    const namespace = CLUSTER_SCOPED.has(c.kind) ? '' : (c.metadata.namespace ?? 'default');
    const key = [group, c.kind, namespace, c.name].join('\u0000');
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, c.node.path);
      continue;
    }
    const where = namespace ? `${namespace}/${c.name}` : c.name;
    errors.push(`Duplicate object: ${c.kind} ${where} (${group || 'core'} API group) is defined by both "${first}" and "${c.node.path}". `
      + 'The cluster keeps one object per kind, namespace and name, so one would silently overwrite the other: give one a different name or namespace.');
  }
  return errors;
}
