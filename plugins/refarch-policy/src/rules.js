// @ts-check
'use strict';
/**
 * The rule catalog: every check the plugin runs, with the one-line reason it exists and
 * how to fix a violation. The README's rules table is generated from this list (see
 * `rulesTable()`), so the two cannot drift apart.
 */

/**
 * One rule of the catalog.
 * @typedef {object} Rule
 * @property {string} id Stable id, used in reports and in skip annotations (`<prefix>skip-<id>`).
 * @property {'Pod Security (restricted)' | 'Workload hygiene' | 'References' | 'Annotations'} group Family, for the README table.
 * @property {string} reason Why the rule exists, in one line.
 * @property {string} fix How to fix a violation, in one line.
 */

/** Prefix of the annotations this plugin reads. */
const ANNOTATION_PREFIX = 'refarch.example.com/';
/** `refarch.example.com/skip-<rule-id>: "<reason>"` switches one rule off for one object. */
const SKIP_ANNOTATION_PREFIX = `${ANNOTATION_PREFIX}skip-`;
/**
 * On a workload: comma-separated names of Secrets (in its namespace) it reads that are
 * created out of band (kubectl, an operator) and therefore not in the manifests.
 */
const EXTERNAL_SECRETS_ANNOTATION = `${ANNOTATION_PREFIX}external-secrets`;

const PSS = /** @type {const} */ ('Pod Security (restricted)');
const HYGIENE = /** @type {const} */ ('Workload hygiene');
const REFS = /** @type {const} */ ('References');

/** @type {readonly Rule[]} */
const RULES = [
  // Pod Security Standards, `restricted` profile (https://kubernetes.io/docs/concepts/security/pod-security-standards/).
  { id: 'pss-privileged', group: PSS, reason: 'A privileged container has full access to the node.', fix: 'Remove securityContext.privileged or set it to false.' },
  { id: 'pss-host-namespaces', group: PSS, reason: 'Sharing the node\'s network, PID or IPC namespace lets a pod see and reach everything on the node.', fix: 'Remove hostNetwork, hostPID and hostIPC (or set them to false).' },
  { id: 'pss-host-ports', group: PSS, reason: 'A hostPort binds a port on the node, bypassing Services and NetworkPolicies.', fix: 'Remove ports[].hostPort; expose the pod through a Service.' },
  { id: 'pss-host-path', group: PSS, reason: 'A hostPath volume gives the pod the node\'s filesystem.', fix: 'Use an emptyDir, a PersistentVolumeClaim, a ConfigMap or a Secret instead of hostPath.' },
  { id: 'pss-volume-types', group: PSS, reason: 'restricted allows only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret volumes.', fix: 'Replace the volume with one of the allowed types (a PersistentVolumeClaim for storage).' },
  { id: 'pss-allow-privilege-escalation', group: PSS, reason: 'Without allowPrivilegeEscalation: false a process can gain more privileges than its parent (setuid binaries).', fix: 'Set securityContext.allowPrivilegeEscalation: false on every container.' },
  { id: 'pss-run-as-non-root', group: PSS, reason: 'A container that may run as root is one escape away from root on the node.', fix: 'Set securityContext.runAsNonRoot: true on the pod (and never false on a container).' },
  { id: 'pss-run-as-user', group: PSS, reason: 'runAsUser: 0 is root, whatever runAsNonRoot says.', fix: 'Set runAsUser to a non-zero uid (the image\'s non-root user).' },
  { id: 'pss-seccomp', group: PSS, reason: 'Without a seccomp profile every syscall is allowed.', fix: 'Set securityContext.seccompProfile.type: RuntimeDefault on the pod (or Localhost with a profile).' },
  { id: 'pss-capabilities', group: PSS, reason: 'Linux capabilities grant parts of root; restricted drops them all and allows adding back only NET_BIND_SERVICE.', fix: 'Set securityContext.capabilities.drop: [ALL] and add nothing but NET_BIND_SERVICE.' },

  // Workload hygiene.
  { id: 'container-resources', group: HYGIENE, reason: 'Without requests the scheduler overcommits nodes; without limits one pod can starve its neighbours.', fix: 'Set resources.requests and resources.limits for cpu and memory on every container.' },
  { id: 'container-probes', group: HYGIENE, reason: 'Without a readiness probe traffic reaches pods that cannot serve; without a liveness probe a hung pod is never restarted.', fix: 'Add a readinessProbe and a livenessProbe to every container (Job and CronJob pods, which run to completion, need neither).' },
  { id: 'probe-port', group: HYGIENE, reason: 'A probe on a port the container does not declare fails (named) or probes the wrong thing (numbered).', fix: 'Point the probe at a port listed in the container\'s ports, preferably by name.' },
  { id: 'image-tag', group: HYGIENE, reason: 'A missing or `latest` tag makes a rollout depend on when each node pulled the image.', fix: 'Pin the image to a version tag or a digest, e.g. postgres:16.4-bookworm or app@sha256:<digest>.' },
  { id: 'read-only-root-filesystem', group: HYGIENE, reason: 'A writable root filesystem lets an attacker change the container\'s binaries.', fix: 'Set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the app writes.' },
  { id: 'automount-service-account-token', group: HYGIENE, reason: 'A mounted API token lets anyone who takes over the pod talk to the Kubernetes API.', fix: 'Set automountServiceAccountToken: false on the pod spec (or on its ServiceAccount).' },
  { id: 'pod-disruption-budget', group: HYGIENE, reason: 'Without a PodDisruptionBudget a node drain may evict every replica at once.', fix: 'Add a PodDisruptionBudget whose selector matches the pods of each workload that runs more than one replica.' },
  { id: 'network-policy', group: HYGIENE, reason: 'A pod that no NetworkPolicy selects accepts traffic from anywhere in the cluster.', fix: 'Add a NetworkPolicy that selects the pods (a default-deny with podSelector: {} covers every pod).' },

  // References between objects.
  { id: 'service-selector', group: REFS, reason: 'A Service whose selector matches no pod template has no endpoints.', fix: 'Make spec.selector a subset of the pod template labels of the workload it fronts.' },
  { id: 'service-target-port', group: REFS, reason: 'A named targetPort that the selected containers do not declare leaves the Service without endpoints.', fix: 'Name a port declared in the selected containers\' ports.' },
  { id: 'ingress-backend', group: REFS, reason: 'An Ingress backend that names a missing Service or port answers 503.', fix: 'Name an existing Service in the same namespace and one of its ports (by name or number).' },
  { id: 'statefulset-service', group: REFS, reason: 'A StatefulSet\'s pods get DNS names only through the headless Service named in serviceName.', fix: 'Add a Service with clusterIP: None that selects the pods, and name it in spec.serviceName.' },
  { id: 'config-reference', group: REFS, reason: 'A reference to a missing ConfigMap, Secret or key keeps the pod in CreateContainerConfigError.', fix: `Render the object and key, mark the reference optional, or list an out-of-band Secret in the workload's ${EXTERNAL_SECRETS_ANNOTATION} annotation.` },
  { id: 'no-literal-secrets', group: REFS, reason: 'A credential in an env value or a ConfigMap is readable by anyone who can read the manifest.', fix: 'Move the value into a Secret (created out of band for real environments) and reference it with secretKeyRef.' },

  // The annotations themselves.
  { id: 'skip-annotation', group: /** @type {const} */ ('Annotations'), reason: 'A switched-off rule needs a reason that reviewers can judge, and must name a rule that exists.', fix: `Write why the rule does not apply as the value of ${SKIP_ANNOTATION_PREFIX}<rule-id>, with a rule id from the table.` },
];

/** Rules by id. @type {ReadonlyMap<string, Rule>} */
const RULE_BY_ID = new Map(RULES.map((r) => [r.id, r]));

/** The rule catalog as a Markdown table (for the README). @returns {string} */
function rulesTable() {
  const cell = (/** @type {string} */ s) => s.replace(/\|/g, '\\|');
  return [
    '| id | group | reason | fix |',
    '| --- | --- | --- | --- |',
    ...RULES.map((r) => `| \`${r.id}\` | ${r.group} | ${cell(r.reason)} | ${cell(r.fix)} |`),
  ].join('\n');
}

module.exports = { ANNOTATION_PREFIX, SKIP_ANNOTATION_PREFIX, EXTERNAL_SECRETS_ANNOTATION, RULES, RULE_BY_ID, rulesTable };
