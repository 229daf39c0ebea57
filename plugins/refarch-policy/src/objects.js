// @ts-check
'use strict';
/**
 * The manifest model the rules read: parsed objects with where they came from, their pod
 * template, and lookups by namespace, kind and name. No rule logic lives here.
 */
const { matchesLabels } = require('./k8s/selector');

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
 * The pod spec of a workload, with the paths of the spec and of the pod labels in the object.
 * @typedef {{ spec: any, labels: Record<string, string>, specPath: string, labelsPath: string }} PodTemplate
 */
/**
 * One object of the manifests, as the rules see it.
 * @typedef {object} CheckedObject
 * @property {string} file Manifest file, as given by the caller.
 * @property {K8sObject} obj The parsed object.
 * @property {string} kind
 * @property {string} name
 * @property {string} namespace '' for cluster-scoped kinds, 'default' when a namespaced object names none.
 * @property {PodTemplate} [template] The pod template, for workloads and Pods.
 */
/**
 * @typedef {{ c: any, path: string, type: 'containers' | 'initContainers' | 'ephemeralContainers' }} ContainerRef
 */

/** Kinds without a namespace (reported with namespace ''). */
const CLUSTER_SCOPED_KINDS = new Set(['Namespace', 'Node', 'PersistentVolume', 'StorageClass', 'ClusterRole', 'ClusterRoleBinding',
  'CustomResourceDefinition', 'PriorityClass', 'IngressClass', 'GatewayClass', 'RuntimeClass', 'CSIDriver', 'APIService',
  'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']);
/** Kinds whose pods come from `spec.template`. */
const TEMPLATE_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job']);

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
 * A field as message text: a string as it is, a missing one as `fallback`, anything else as
 * JSON. Never throws: YAML can give a mapping with a key "toString" where a name belongs, and
 * String() or a template literal would then call a value that is not a function.
 * @param {unknown} value @param {string} fallback
 * @returns {string}
 */
function asText(value, fallback) {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? Object.prototype.toString.call(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * Parsed documents to checked objects, skipping empty documents.
 * @param {ReadonlyArray<{ file: string, objects: readonly unknown[] }>} files
 * @returns {CheckedObject[]}
 */
function checkedObjects(files) {
  /** @type {CheckedObject[]} */
  const out = [];
  for (const { file, objects } of files) {
    for (const raw of objects) {
      if (!isObject(raw)) continue;
      const obj = /** @type {K8sObject} */ (raw);
      const kind = asText(obj.kind, '(no kind)');
      const namespace = asText(obj.metadata?.namespace, CLUSTER_SCOPED_KINDS.has(kind) ? '' : 'default');
      out.push({ file, obj, kind, name: asText(obj.metadata?.name, '(no name)'), namespace, template: podTemplateOf(obj) });
    }
  }
  return out;
}

/** Lookups by namespace, kind and name, across all files checked together. */
class ObjectIndex {
  /** @param {readonly CheckedObject[]} objects */
  constructor(objects) {
    /** @type {Map<string, CheckedObject>} */
    this.byKey = new Map();
    /** @type {Map<string, CheckedObject[]>} */
    this.byKind = new Map();
    /** @type {Map<string, PodTemplate[]>} */
    this.templates = new Map();
    for (const o of objects) {
      this.byKey.set(`${o.namespace}\0${o.kind}\0${o.name}`, o);
      const kindKey = `${o.namespace}\0${o.kind}`;
      this.byKind.set(kindKey, [...(this.byKind.get(kindKey) ?? []), o]);
      if (o.template) this.templates.set(o.namespace, [...(this.templates.get(o.namespace) ?? []), o.template]);
    }
  }

  /** @param {string} namespace @param {string} kind @param {string} name @returns {CheckedObject | undefined} */
  get(namespace, kind, name) {
    return this.byKey.get(`${namespace}\0${kind}\0${name}`);
  }

  /** @param {string} namespace @param {string} kind @returns {readonly CheckedObject[]} */
  ofKind(namespace, kind) {
    return this.byKind.get(`${namespace}\0${kind}`) ?? [];
  }

  /** Pod templates of every workload in a namespace. @param {string} namespace @returns {readonly PodTemplate[]} */
  templatesIn(namespace) {
    return this.templates.get(namespace) ?? [];
  }
}

/**
 * The pod templates a Service selects; undefined for a Service that selects no pods by
 * design (ExternalName, or no selector: endpoints managed by hand).
 * @param {CheckedObject} service
 * @param {ObjectIndex} index
 * @returns {readonly PodTemplate[] | undefined}
 */
function templatesOfService(service, index) {
  const spec = service.obj.spec ?? {};
  if (spec.type === 'ExternalName' || !isObject(spec.selector) || Object.keys(spec.selector).length === 0) return undefined;
  return index.templatesIn(service.namespace).filter((t) => matchesLabels(spec.selector, t.labels));
}

module.exports = { isObject, each, podTemplateOf, containersOf, checkedObjects, ObjectIndex, templatesOfService };
