// @ts-check
'use strict';
/**
 * The checks, as one pure function: parsed manifests in, violations and switched-off
 * rules out. No file system, no YAML parser, no cdk8s: the cdk8s CLI plugin
 * (plugin.js), `npm run synth` (files.js) and the tests all call this.
 *
 * Plain JavaScript, type-checked by `tsc` through these JSDoc types: the cdk8s CLI loads
 * it with a plain require() and no compiler, in about a millisecond.
 */
const { EXTERNAL_SECRETS_ANNOTATION, RULE_BY_ID, SKIP_ANNOTATION_PREFIX } = require('./rules');

/**
 * A Kubernetes object as parsed from YAML.
 * @typedef {{ apiVersion?: string, kind?: string, metadata?: ObjectMeta, [field: string]: any }} K8sObject
 */
/**
 * The parts of `metadata` the checks read.
 * @typedef {object} ObjectMeta
 * @property {string} [name]
 * @property {string} [namespace]
 * @property {Record<string, string>} [labels]
 * @property {Record<string, string>} [annotations]
 */
/**
 * One manifest file: its path as it should be reported, and its parsed documents.
 * @typedef {object} ManifestFile
 * @property {string} file
 * @property {readonly unknown[]} objects
 */
/**
 * One violation of one rule at one place.
 * @typedef {object} Violation
 * @property {string} rule Rule id.
 * @property {string} file Manifest file, as given in {@link ManifestFile}.
 * @property {string} kind
 * @property {string} name
 * @property {string} namespace
 * @property {string} path Field path inside the object, e.g. `spec.template.spec.containers[0].securityContext.runAsNonRoot`.
 * @property {string} message What is wrong here, specifically.
 * @property {string} reason The rule's one-line reason.
 * @property {string} fix The rule's fix hint.
 */
/**
 * A rule switched off for one object by a skip annotation.
 * @typedef {object} Skip
 * @property {string} rule
 * @property {string} file
 * @property {string} kind
 * @property {string} name
 * @property {string} namespace
 * @property {string} reason The annotation's value: why the rule does not apply.
 * @property {number} suppressed How many violations the annotation suppressed (0: the annotation is not needed).
 */
/**
 * What {@link validateManifests} returns.
 * @typedef {object} ValidationResult
 * @property {Violation[]} violations
 * @property {Skip[]} skipped
 */
/**
 * @typedef {{ file: string, obj: K8sObject, kind: string, name: string, namespace: string }} Entry
 * @typedef {{ spec: any, labels: Record<string, string>, specPath: string, labelsPath: string }} PodTemplate
 *   The pod spec of a workload, with the paths of the spec and of the pod labels in the object.
 * @typedef {{ c: any, path: string, type: 'containers' | 'initContainers' | 'ephemeralContainers' }} ContainerRef
 * @typedef {(rule: string, path: string, message: string) => void} Report
 * @typedef {{ matchLabels?: Record<string, string>, matchExpressions?: Array<{ key: string, operator: string, values?: string[] }> }} LabelSelector
 */

/** Kinds without a namespace (reported with namespace ''). */
const CLUSTER_SCOPED_KINDS = new Set(['Namespace', 'Node', 'PersistentVolume', 'StorageClass', 'ClusterRole', 'ClusterRoleBinding',
  'CustomResourceDefinition', 'PriorityClass', 'IngressClass', 'RuntimeClass', 'CSIDriver', 'APIService',
  'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']);
/** Kinds whose pods come from `spec.template`. */
const TEMPLATE_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job']);
/** Kinds whose replica count may exceed one, and so need a PodDisruptionBudget. */
const REPLICATED_KINDS = new Set(['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController']);
const ALLOWED_VOLUME_TYPES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
const ALLOWED_SECCOMP = new Set(['RuntimeDefault', 'Localhost']);
const ALLOWED_ADDED_CAPABILITIES = new Set(['NET_BIND_SERVICE']);

/**
 * Runs every rule over the manifests; returns the violations left after skip annotations, and the skips.
 * @param {readonly ManifestFile[]} files
 * @returns {ValidationResult}
 */
function validateManifests(files) {
  /** @type {Entry[]} */
  const entries = [];
  for (const { file, objects } of files) {
    for (const obj of objects) {
      if (!isObject(obj)) continue; // empty YAML documents
      const o = /** @type {K8sObject} */ (obj);
      const kind = String(o.kind ?? '(no kind)');
      const namespace = o.metadata?.namespace ?? (CLUSTER_SCOPED_KINDS.has(kind) ? '' : 'default');
      entries.push({ file, obj: o, kind, name: String(o.metadata?.name ?? '(no name)'), namespace });
    }
  }
  const index = new Index(entries);

  /** @type {Array<{ entry: Entry, rule: string, path: string, message: string }>} */
  const found = [];
  for (const entry of entries) {
    /** @type {Report} */
    const report = (rule, path, message) => { found.push({ entry, rule, path, message }); };
    const template = podTemplateOf(entry.obj);
    if (template) {
      checkPodSecurity(template, report);
      checkHygiene(entry, template, index, report);
      checkConfigReferences(entry, template, index, report);
      checkLiteralSecretsInEnv(template, report);
    }
    if (entry.kind === 'Service') checkService(entry, index, report);
    if (entry.kind === 'Ingress') checkIngress(entry, index, report);
    if (entry.kind === 'StatefulSet') checkStatefulSetService(entry, index, report);
    if (entry.kind === 'ConfigMap') checkLiteralSecretsInConfigMap(entry, report);
  }

  // Skip annotations switch a rule off for one object, with a reason.
  /** @type {Map<Entry, Map<string, { reason: string, suppressed: number }>>} */
  const skips = new Map();
  /** @type {Array<{ at: number, v: Violation }>} */
  const emitted = [];
  /** @type {(entry: Entry, rule: string, path: string, message: string) => void} */
  const emit = (entry, rule, path, message) => {
    const r = /** @type {import('./rules').Rule} */ (RULE_BY_ID.get(rule));
    emitted.push({ at: 2 * entries.indexOf(entry) + (rule === 'skip-annotation' ? 1 : 0), v: { rule, file: entry.file, kind: entry.kind, name: entry.name, namespace: entry.namespace, path, message, reason: r.reason, fix: r.fix } });
  };
  for (const entry of entries) {
    for (const [key, value] of Object.entries(entry.obj.metadata?.annotations ?? {})) {
      if (!key.startsWith(SKIP_ANNOTATION_PREFIX)) continue;
      const rule = key.slice(SKIP_ANNOTATION_PREFIX.length);
      const path = `metadata.annotations["${key}"]`;
      if (!RULE_BY_ID.has(rule) || rule === 'skip-annotation') {
        emit(entry, 'skip-annotation', path, `"${rule}" is not a rule that can be switched off.`);
      } else if (typeof value !== 'string' || value.trim() === '') {
        emit(entry, 'skip-annotation', path, `Switches off "${rule}" without a reason; the rule stays on.`);
      } else {
        const forEntry = skips.get(entry) ?? new Map();
        forEntry.set(rule, { reason: value.trim(), suppressed: 0 });
        skips.set(entry, forEntry);
      }
    }
  }
  for (const f of found) {
    const skip = skips.get(f.entry)?.get(f.rule);
    if (skip) skip.suppressed++;
    else emit(f.entry, f.rule, f.path, f.message);
  }
  /** @type {Skip[]} */
  const skipped = [];
  for (const [entry, rules] of skips) {
    for (const [rule, s] of rules) {
      skipped.push({ rule, file: entry.file, kind: entry.kind, name: entry.name, namespace: entry.namespace, reason: s.reason, suppressed: s.suppressed });
    }
  }
  // Object by object, in manifest order; an object's own findings before its annotation problems.
  const violations = emitted.sort((a, b) => a.at - b.at).map((e) => e.v);
  return { violations, skipped };
}

// ---------------------------------------------------------------------------------------
// Pod Security Standards, restricted.

/** @param {PodTemplate} t @param {Report} report */
function checkPodSecurity(t, report) {
  const spec = t.spec;
  const podSc = spec.securityContext ?? {};
  const podScPath = `${t.specPath}.securityContext`;

  for (const ns of ['hostNetwork', 'hostPID', 'hostIPC']) {
    if (spec[ns] === true) report('pss-host-namespaces', `${t.specPath}.${ns}`, `${ns} is true.`);
  }
  each(spec.volumes, (v, i) => {
    const path = `${t.specPath}.volumes[${i}]`;
    for (const type of Object.keys(v).filter((k) => k !== 'name')) {
      if (type === 'hostPath') report('pss-host-path', `${path}.hostPath`, `Volume "${v.name}" is a hostPath.`);
      else if (!ALLOWED_VOLUME_TYPES.has(type)) report('pss-volume-types', `${path}.${type}`, `Volume "${v.name}" has type ${type}, which restricted does not allow.`);
    }
  });
  if (podSc.runAsNonRoot === false) report('pss-run-as-non-root', `${podScPath}.runAsNonRoot`, 'The pod sets runAsNonRoot: false.');
  if (podSc.runAsUser === 0) report('pss-run-as-user', `${podScPath}.runAsUser`, 'The pod runs as uid 0.');
  const podSeccomp = podSc.seccompProfile?.type;
  if (podSeccomp !== undefined && !ALLOWED_SECCOMP.has(podSeccomp)) {
    report('pss-seccomp', `${podScPath}.seccompProfile.type`, `The pod's seccomp profile is ${podSeccomp}.`);
  }

  for (const { c, path } of containersOf(t, true)) {
    const sc = c.securityContext ?? {};
    const scPath = `${path}.securityContext`;
    const who = `Container "${c.name}"`;
    const whoLower = `container "${c.name}"`;
    if (sc.privileged === true) report('pss-privileged', `${scPath}.privileged`, `${who} is privileged.`);
    each(c.ports, (p, i) => {
      if (p.hostPort) report('pss-host-ports', `${path}.ports[${i}].hostPort`, `${who} binds host port ${p.hostPort}.`);
    });
    if (sc.allowPrivilegeEscalation !== false) {
      report('pss-allow-privilege-escalation', `${scPath}.allowPrivilegeEscalation`,
        sc.allowPrivilegeEscalation === undefined ? `${who} does not set allowPrivilegeEscalation (it defaults to true).` : `${who} sets allowPrivilegeEscalation: ${sc.allowPrivilegeEscalation}.`);
    }
    if (sc.runAsNonRoot === false) report('pss-run-as-non-root', `${scPath}.runAsNonRoot`, `${who} sets runAsNonRoot: false.`);
    else if (sc.runAsNonRoot !== true && podSc.runAsNonRoot !== true) {
      report('pss-run-as-non-root', `${scPath}.runAsNonRoot`, `Neither ${whoLower} nor the pod sets runAsNonRoot: true.`);
    }
    if (sc.runAsUser === 0) report('pss-run-as-user', `${scPath}.runAsUser`, `${who} runs as uid 0.`);
    const seccomp = sc.seccompProfile?.type;
    if (seccomp !== undefined && !ALLOWED_SECCOMP.has(seccomp)) {
      report('pss-seccomp', `${scPath}.seccompProfile.type`, `${who}'s seccomp profile is ${seccomp}.`);
    } else if (seccomp === undefined && podSeccomp === undefined) {
      report('pss-seccomp', `${scPath}.seccompProfile`, `Neither ${whoLower} nor the pod sets a seccomp profile.`);
    }
    /** @type {unknown[]} */
    const drop = sc.capabilities?.drop ?? [];
    if (!drop.includes('ALL')) report('pss-capabilities', `${scPath}.capabilities.drop`, `${who} does not drop ALL capabilities.`);
    (sc.capabilities?.add ?? []).forEach((/** @type {string} */ cap, /** @type {number} */ i) => {
      if (!ALLOWED_ADDED_CAPABILITIES.has(cap)) report('pss-capabilities', `${scPath}.capabilities.add[${i}]`, `${who} adds capability ${cap}.`);
    });
  }
}

// ---------------------------------------------------------------------------------------
// Workload hygiene.

/** @param {Entry} entry @param {PodTemplate} t @param {Index} index @param {Report} report */
function checkHygiene(entry, t, index, report) {
  for (const { c, path, type } of containersOf(t, false)) {
    const who = `Container "${c.name}"`;
    const missing = ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'].filter((k) => {
      const [group, resource] = k.split('.');
      return c.resources?.[group]?.[resource] === undefined;
    });
    if (missing.length > 0) report('container-resources', `${path}.resources`, `${who} has no ${missing.join(', ')}.`);

    const problem = imageProblem(c.image);
    if (problem) report('image-tag', `${path}.image`, `${who}: ${problem}`);

    if (c.securityContext?.readOnlyRootFilesystem !== true) {
      report('read-only-root-filesystem', `${path}.securityContext.readOnlyRootFilesystem`, `${who} does not set readOnlyRootFilesystem: true.`);
    }

    if (type !== 'containers') continue; // init containers may not have probes
    // Job and CronJob pods run to completion: no traffic to gate, and activeDeadlineSeconds
    // (not a liveness probe) bounds a hung run. Probes they do declare are still checked below.
    const runsToCompletion = entry.kind === 'Job' || entry.kind === 'CronJob';
    for (const probe of runsToCompletion ? [] : ['readinessProbe', 'livenessProbe']) {
      if (!c[probe]) report('container-probes', `${path}.${probe}`, `${who} has no ${probe}.`);
    }
    for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
      const p = c[probe];
      if (!p) continue;
      const handler = p.httpGet ? 'httpGet' : p.tcpSocket ? 'tcpSocket' : p.grpc ? 'grpc' : undefined;
      if (!handler) continue; // exec probes use no port
      const port = p[handler].port;
      /** @type {Array<{ name?: string, containerPort?: number }>} */
      const ports = Array.isArray(c.ports) ? c.ports : [];
      const declared = typeof port === 'string' ? ports.some((cp) => cp.name === port) : ports.some((cp) => cp.containerPort === port);
      if (!declared) {
        report('probe-port', `${path}.${probe}.${handler}.port`, `${who}'s ${probe} uses port ${JSON.stringify(port)}, which the container does not declare.`);
      }
    }
  }

  const spec = t.spec;
  if (spec.automountServiceAccountToken !== false) {
    const saName = spec.serviceAccountName ?? 'default';
    const sa = index.get(entry.namespace, 'ServiceAccount', saName);
    const byAccount = spec.automountServiceAccountToken === undefined && sa?.obj.automountServiceAccountToken === false;
    if (!byAccount) {
      report('automount-service-account-token', `${t.specPath}.automountServiceAccountToken`,
        spec.automountServiceAccountToken === true
          ? 'The pod sets automountServiceAccountToken: true.'
          : `Neither the pod nor its ServiceAccount "${saName}" sets automountServiceAccountToken: false.`);
    }
  }

  if (REPLICATED_KINDS.has(entry.kind)) {
    const replicas = typeof entry.obj.spec?.replicas === 'number' ? entry.obj.spec.replicas : 1;
    const autoscalers = index.ofKind(entry.namespace, 'HorizontalPodAutoscaler')
      .filter((h) => h.obj.spec?.scaleTargetRef?.kind === entry.kind && h.obj.spec?.scaleTargetRef?.name === entry.name);
    const most = Math.max(replicas, ...autoscalers.map((h) => Number(h.obj.spec?.maxReplicas ?? 0)));
    if (most > 1) {
      const covered = index.ofKind(entry.namespace, 'PodDisruptionBudget').some((pdb) => selects(pdb.obj.spec?.selector, t.labels, false));
      if (!covered) {
        report('pod-disruption-budget', t.labelsPath,
          `Runs up to ${most} replicas${autoscalers.length ? ' (HorizontalPodAutoscaler)' : ''}, but no PodDisruptionBudget in namespace "${entry.namespace}" selects its pods.`);
      }
    }
  }

  const policed = index.ofKind(entry.namespace, 'NetworkPolicy').some((np) => selects(np.obj.spec?.podSelector, t.labels, true));
  if (!policed) report('network-policy', t.labelsPath, `No NetworkPolicy in namespace "${entry.namespace}" selects these pods.`);
}

/**
 * Why an image reference is not pinned, or undefined when it is.
 * @param {unknown} image
 * @returns {string | undefined}
 */
function imageProblem(image) {
  if (typeof image !== 'string' || image === '') return 'no image.';
  if (/@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/.test(image)) return undefined; // digest
  const lastSlash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  if (colon <= lastSlash) return `image "${image}" has no tag (it means latest).`;
  if (image.slice(colon + 1) === 'latest') return `image "${image}" uses the latest tag.`;
  return undefined;
}

// ---------------------------------------------------------------------------------------
// References.

/** @param {Entry} entry @param {Index} index @param {Report} report */
function checkService(entry, index, report) {
  const spec = entry.obj.spec ?? {};
  if (spec.type === 'ExternalName' || !isObject(spec.selector) || Object.keys(spec.selector).length === 0) return; // no pods to select
  const selected = index.templatesIn(entry.namespace).filter((t) => selects({ matchLabels: spec.selector }, t.labels, false));
  if (selected.length === 0) {
    report('service-selector', 'spec.selector', `Selects no pod template in namespace "${entry.namespace}" (selector ${JSON.stringify(spec.selector)}).`);
    return;
  }
  each(spec.ports, (p, i) => {
    if (typeof p.targetPort !== 'string') return; // a number needs no declaration
    const declared = selected.some((t) => containersOf(t, false).some(({ c }) =>
      Array.isArray(c.ports) && c.ports.some((/** @type {{ name?: string }} */ cp) => cp.name === p.targetPort)));
    if (!declared) {
      report('service-target-port', `spec.ports[${i}].targetPort`, `Port "${p.name ?? i}" targets "${p.targetPort}", which no selected container declares.`);
    }
  });
}

/** @param {Entry} entry @param {Index} index @param {Report} report */
function checkIngress(entry, index, report) {
  const spec = entry.obj.spec ?? {};
  /** @type {Array<[string, { name?: string, port?: { name?: string, number?: number } }]>} */
  const backends = [];
  if (spec.defaultBackend?.service) backends.push(['spec.defaultBackend.service', spec.defaultBackend.service]);
  each(spec.rules, (rule, i) => {
    each(rule.http?.paths, (p, j) => {
      if (p.backend?.service) backends.push([`spec.rules[${i}].http.paths[${j}].backend.service`, p.backend.service]);
    });
  });
  for (const [path, backend] of backends) {
    const svc = index.get(entry.namespace, 'Service', String(backend.name));
    if (!svc) {
      report('ingress-backend', `${path}.name`, `Service "${backend.name}" does not exist in namespace "${entry.namespace}".`);
      continue;
    }
    /** @type {Array<{ name?: string, port?: number }>} */
    const ports = Array.isArray(svc.obj.spec?.ports) ? svc.obj.spec.ports : [];
    const port = backend.port ?? {};
    const ok = port.name !== undefined ? ports.some((p) => p.name === port.name) : ports.some((p) => p.port === port.number);
    if (!ok) {
      const wanted = port.name !== undefined ? `named "${port.name}"` : `number ${port.number}`;
      report('ingress-backend', `${path}.port`, `Service "${backend.name}" has no port ${wanted} (it has ${ports.map((p) => p.name ?? p.port).join(', ') || 'none'}).`);
    }
  }
}

/** @param {Entry} entry @param {Index} index @param {Report} report */
function checkStatefulSetService(entry, index, report) {
  const serviceName = entry.obj.spec?.serviceName;
  if (!serviceName) return; // optional since Kubernetes 1.30: nothing to resolve
  const svc = index.get(entry.namespace, 'Service', serviceName);
  const template = podTemplateOf(entry.obj);
  if (!svc) {
    report('statefulset-service', 'spec.serviceName', `Service "${serviceName}" does not exist in namespace "${entry.namespace}".`);
  } else if (svc.obj.spec?.clusterIP !== 'None') {
    report('statefulset-service', 'spec.serviceName', `Service "${serviceName}" is not headless (clusterIP: None).`);
  } else if (template && !selects({ matchLabels: svc.obj.spec?.selector ?? {} }, template.labels, false)) {
    report('statefulset-service', 'spec.serviceName', `Headless Service "${serviceName}" does not select this StatefulSet's pods.`);
  }
}

/** @param {Entry} entry @param {PodTemplate} t @param {Index} index @param {Report} report */
function checkConfigReferences(entry, t, index, report) {
  const external = new Set(String(entry.obj.metadata?.annotations?.[EXTERNAL_SECRETS_ANNOTATION] ?? '').split(/[\s,]+/).filter((s) => s !== ''));
  /**
   * @param {'ConfigMap' | 'Secret'} kind
   * @param {unknown} name
   * @param {string | undefined} key
   * @param {unknown} optional
   * @param {string} path
   */
  const check = (kind, name, key, optional, path) => {
    if (optional === true) return;
    const found = index.get(entry.namespace, kind, String(name));
    if (!found) {
      if (kind === 'Secret' && external.has(String(name))) return;
      const hint = kind === 'Secret' ? ` and is not listed in the ${EXTERNAL_SECRETS_ANNOTATION} annotation` : '';
      report('config-reference', path, `${kind} "${name}" does not exist in namespace "${entry.namespace}"${hint}.`);
      return;
    }
    if (key === undefined) return;
    const o = found.obj;
    const keys = [...Object.keys(o.data ?? {}), ...Object.keys((kind === 'ConfigMap' ? o.binaryData : o.stringData) ?? {})];
    if (!keys.includes(key)) report('config-reference', path, `${kind} "${name}" has no key "${key}" (it has ${keys.join(', ') || 'none'}).`);
  };
  /** @param {'ConfigMap' | 'Secret'} kind @param {unknown} name @param {any} source @param {string} path */
  const withItems = (kind, name, source, path) => {
    check(kind, name, undefined, source.optional, path);
    each(source.items, (item, k) => check(kind, name, item.key, source.optional, `${path}.items[${k}].key`));
  };

  for (const { c, path } of containersOf(t, true)) {
    each(c.env, (e, i) => {
      const cm = e.valueFrom?.configMapKeyRef;
      const sec = e.valueFrom?.secretKeyRef;
      if (cm) check('ConfigMap', cm.name, cm.key, cm.optional, `${path}.env[${i}].valueFrom.configMapKeyRef`);
      if (sec) check('Secret', sec.name, sec.key, sec.optional, `${path}.env[${i}].valueFrom.secretKeyRef`);
    });
    each(c.envFrom, (e, i) => {
      if (e.configMapRef) check('ConfigMap', e.configMapRef.name, undefined, e.configMapRef.optional, `${path}.envFrom[${i}].configMapRef`);
      if (e.secretRef) check('Secret', e.secretRef.name, undefined, e.secretRef.optional, `${path}.envFrom[${i}].secretRef`);
    });
  }
  each(t.spec.volumes, (v, i) => {
    const path = `${t.specPath}.volumes[${i}]`;
    if (v.configMap) withItems('ConfigMap', v.configMap.name, v.configMap, `${path}.configMap`);
    if (v.secret) withItems('Secret', v.secret.secretName, v.secret, `${path}.secret`);
    each(v.projected?.sources, (s, j) => {
      if (s.configMap) withItems('ConfigMap', s.configMap.name, s.configMap, `${path}.projected.sources[${j}].configMap`);
      if (s.secret) withItems('Secret', s.secret.name, s.secret, `${path}.projected.sources[${j}].secret`);
    });
  });
}

/** Names that say "this is a credential". */
const SECRET_NAME = /(^|[^a-z])(pass(word|wd)?|pwd|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|credentials?)([^a-z]|$)/i;
/** ...unless they name where the credential is, or something about it: `PASSWORD_FILE`, `TOKEN_TTL`. */
const NOT_A_SECRET_NAME = /[-_.](file|path|dir|ref|name|ttl|timeout|expiry|length|header|url)$/i;
/** @type {Array<[RegExp, string]>} Values that are credentials whatever they are called. */
const SECRET_VALUES = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a PEM private key'],
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/, 'an AWS access key id'],
  [/\bgh[pousr]_[A-Za-z0-9]{36,}\b/, 'a GitHub token'],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/, 'a Slack token'],
  [/\bAIza[0-9A-Za-z_-]{35}\b/, 'a Google API key'],
  [/\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/, 'a JSON Web Token'],
  [/[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i, 'a URL with a password in it'],
];

/**
 * Why a literal name/value pair looks like a credential, or undefined.
 * @param {string} name
 * @param {unknown} value
 * @returns {string | undefined}
 */
function literalSecret(name, value) {
  if (typeof value !== 'string' || value.trim() === '' || /^(true|false|yes|no|on|off)$/i.test(value)) return undefined;
  for (const [pattern, what] of SECRET_VALUES) if (pattern.test(value)) return `its value looks like ${what}`;
  if (SECRET_NAME.test(name) && !NOT_A_SECRET_NAME.test(name)) return `"${name}" names a credential`;
  return undefined;
}

/** @param {PodTemplate} t @param {Report} report */
function checkLiteralSecretsInEnv(t, report) {
  for (const { c, path } of containersOf(t, true)) {
    each(c.env, (e, i) => {
      const why = literalSecret(String(e.name), e.value);
      if (why) report('no-literal-secrets', `${path}.env[${i}].value`, `Container "${c.name}" sets env ${e.name} to a literal value, and ${why}.`);
    });
  }
}

/** @param {Entry} entry @param {Report} report */
function checkLiteralSecretsInConfigMap(entry, report) {
  for (const [key, value] of Object.entries(entry.obj.data ?? {})) {
    const why = literalSecret(key, value);
    if (why) report('no-literal-secrets', `data.${key}`, `ConfigMap key ${key} holds a literal value, and ${why}.`);
  }
}

// ---------------------------------------------------------------------------------------
// Helpers.

/** @param {unknown} x @returns {x is Record<string, any>} */
function isObject(x) {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * Calls `fn` for each object element of `list`, when `list` is an array.
 * @param {unknown} list
 * @param {(item: Record<string, any>, index: number) => void} fn
 */
function each(list, fn) {
  if (Array.isArray(list)) list.forEach((item, i) => { if (isObject(item)) fn(item, i); });
}

/**
 * The pod template of a workload (or the spec of a Pod), with the paths to report.
 * @param {K8sObject} obj
 * @returns {PodTemplate | undefined}
 */
function podTemplateOf(obj) {
  const kind = obj.kind;
  if (kind === 'Pod' && isObject(obj.spec)) {
    return { spec: obj.spec, labels: obj.metadata?.labels ?? {}, specPath: 'spec', labelsPath: 'metadata.labels' };
  }
  if (kind !== undefined && TEMPLATE_KINDS.has(kind) && isObject(obj.spec?.template?.spec)) {
    return { spec: obj.spec.template.spec, labels: obj.spec.template.metadata?.labels ?? {}, specPath: 'spec.template.spec', labelsPath: 'spec.template.metadata.labels' };
  }
  if (kind === 'CronJob' && isObject(obj.spec?.jobTemplate?.spec?.template?.spec)) {
    const tpl = obj.spec.jobTemplate.spec.template;
    return { spec: tpl.spec, labels: tpl.metadata?.labels ?? {}, specPath: 'spec.jobTemplate.spec.template.spec', labelsPath: 'spec.jobTemplate.spec.template.metadata.labels' };
  }
  return undefined;
}

/**
 * Containers and init containers (and ephemeral containers with `withEphemeral`), with their paths.
 * @param {PodTemplate} t
 * @param {boolean} withEphemeral
 * @returns {ContainerRef[]}
 */
function containersOf(t, withEphemeral) {
  /** @type {Array<ContainerRef['type']>} */
  const types = withEphemeral ? ['containers', 'initContainers', 'ephemeralContainers'] : ['containers', 'initContainers'];
  /** @type {ContainerRef[]} */
  const out = [];
  for (const type of types) each(t.spec[type], (c, i) => { out.push({ c, path: `${t.specPath}.${type}[${i}]`, type }); });
  return out;
}

/**
 * Whether a label selector selects `labels`. An empty selector selects everything; a
 * missing one selects everything only where the API says so (`missingMeansAll`, as for a
 * NetworkPolicy's podSelector) and nothing otherwise (a policy/v1 PDB without selector).
 * @param {LabelSelector | undefined} selector
 * @param {Record<string, string>} labels
 * @param {boolean} missingMeansAll
 */
function selects(selector, labels, missingMeansAll) {
  if (!isObject(selector)) return missingMeansAll;
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector.matchExpressions ?? []).every((e) => {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    switch (e.operator) {
      case 'In': return has && (e.values ?? []).includes(labels[e.key]);
      case 'NotIn': return !has || !(e.values ?? []).includes(labels[e.key]);
      case 'Exists': return has;
      case 'DoesNotExist': return !has;
      default: return false;
    }
  });
  return byLabels && byExpressions;
}

/** Lookups by namespace, kind and name. */
class Index {
  /** @param {readonly Entry[]} entries */
  constructor(entries) {
    /** @type {Map<string, Entry>} */
    this.byKey = new Map();
    /** @type {Map<string, Entry[]>} */
    this.byKind = new Map();
    /** @type {Map<string, PodTemplate[]>} */
    this.templates = new Map();
    for (const e of entries) {
      this.byKey.set(`${e.namespace}\0${e.kind}\0${e.name}`, e);
      const kindKey = `${e.namespace}\0${e.kind}`;
      this.byKind.set(kindKey, [...(this.byKind.get(kindKey) ?? []), e]);
      const t = podTemplateOf(e.obj);
      if (t) this.templates.set(e.namespace, [...(this.templates.get(e.namespace) ?? []), t]);
    }
  }

  /** @param {string} namespace @param {string} kind @param {string} name @returns {Entry | undefined} */
  get(namespace, kind, name) {
    return this.byKey.get(`${namespace}\0${kind}\0${name}`);
  }

  /** @param {string} namespace @param {string} kind @returns {readonly Entry[]} */
  ofKind(namespace, kind) {
    return this.byKind.get(`${namespace}\0${kind}`) ?? [];
  }

  /** @param {string} namespace @returns {readonly PodTemplate[]} */
  templatesIn(namespace) {
    return this.templates.get(namespace) ?? [];
  }
}

module.exports = { validateManifests };
