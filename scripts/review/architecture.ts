/**
 * The architecture graphs of a set of synthesized objects, as Graphviz DOT, in two views:
 * - traffic: the request path (Ingress -> Service -> pods, Gateway -> HTTPRoute -> Service
 *   -> pods, then the database's Service -> its pods), storage (StatefulSet -> its claim templates), the connections
 *   NetworkPolicies allow, and PDB/HPA/replicas written onto the workload they govern. A
 *   policy that applies to every pod of a namespace (DNS) is a line under the namespace's
 *   name, not an arrow from every workload.
 * - configuration: each workload in a box of its own with what its pods read (ConfigMaps,
 *   Secrets, its ServiceAccount), so no configuration arrow crosses the request path.
 *
 * Everything is derived from the objects themselves (kinds, selectors, names they
 * reference), so new objects and changed policies show up without changing this file.
 * Output order depends only on the input (everything is sorted), so the SVG is stable.
 */
import { K8sObject, describeSelector, selects } from './manifests';

type Obj = K8sObject & Record<string, any>;

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob']);
/** Kinds drawn by their relations (as nodes, edges or rows); every other kind is listed in the namespace's "other objects" box so nothing is hidden. */
const DRAWN_KINDS = new Set([...WORKLOAD_KINDS, 'Namespace', 'Service', 'Ingress', 'Gateway', 'HTTPRoute', 'ConfigMap', 'Secret', 'PersistentVolumeClaim', 'NetworkPolicy', 'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'ServiceAccount']);

const COLORS: Record<string, string> = {
  Ingress: '#d6eaf8', Gateway: '#d6eaf8', HTTPRoute: '#ebf5fb', Service: '#d5f5e3', workload: '#fdebd0', ConfigMap: '#f2f3f4', Secret: '#fadbd8',
  PersistentVolumeClaim: '#e8daef', ServiceAccount: '#fcf3cf', external: '#ffffff', other: '#ffffff',
};
const TRAFFIC = '#2c3e50';
const ALLOWED = '#1e8449';
const CONFIG = '#7f8c8d';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const nodeId = (o: K8sObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** A digest's first 8 hex digits identify it for a reader (as `docker images` shows 12); the full 64 make the box too wide. */
export function shortDigest(image: string): string {
  return image.replace(/@(sha256:[0-9a-f]{8})[0-9a-f]{56}$/, '@$1…');
}

/**
 * An image as a box shows it: its last path segment (name, tag and {@link shortDigest}), not
 * the registry and path, which make the boxes, and so the picture, too wide for a README.
 */
export function shortImage(image: string): string {
  return shortDigest(image).replace(/^[^@]*\//, '');
}

/** An HTML-like label: a bold title, then small lines. */
function htmlLabel(title: string, lines: readonly string[]): string {
  // "Kind name": the kind on a small line of its own, the name in bold, so boxes stay narrow.
  const sp = title.indexOf(' ');
  const head = sp > 0 && /^[A-Z]/.test(title) && !title.includes('/') ? [`<TR><TD><FONT POINT-SIZE="9" COLOR="#555555">${esc(title.slice(0, sp))}</FONT></TD></TR>`, `<TR><TD><B>${esc(title.slice(sp + 1))}</B></TD></TR>`] : [`<TR><TD><B>${esc(title)}</B></TD></TR>`];
  const rows = [...head, ...lines.map((l) => `<TR><TD><FONT POINT-SIZE="10">${esc(l)}</FONT></TD></TR>`)];
  return `<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">${rows.join('')}</TABLE>>`;
}

function podTemplate(w: Obj): Obj | undefined {
  return w.kind === 'CronJob' ? w.spec?.jobTemplate?.spec?.template : w.spec?.template;
}

function ports(list: any[] | undefined): string {
  // 53/UDP and 53/TCP read as one port: group protocols per port.
  const byPort = new Map<string, string[]>();
  for (const p of list ?? []) {
    const key = p.port === undefined ? 'all ports' : `${p.port}${p.endPort ? `-${p.endPort}` : ''}`;
    byPort.set(key, [...(byPort.get(key) ?? []), p.protocol ?? 'TCP']);
  }
  if (byPort.size === 0) return 'all ports';
  return [...byPort].map(([port, protos]) => `${port}/${[...new Set(protos)].join('+')}`).join(', ');
}

function short(list: readonly string[], max = 3): string {
  return list.length <= max ? list.join(', ') : `${list.slice(0, max).join(', ')} +${list.length - max}`;
}

interface Edge { from: string; to: string; kind: 'traffic' | 'allowed' | 'config' | 'storage'; labels: Set<string> }

/** What a picture shows: the request path, or which configuration each workload's pods read. */
export type View = 'traffic' | 'configuration';
/** Kinds the configuration view draws (and the traffic view leaves to it). */
const CONFIG_KINDS = new Set(['ConfigMap', 'Secret', 'ServiceAccount']);

export function architectureDot(objects: readonly K8sObject[], title: string, view: View = 'traffic'): string {
  const all = [...(objects as Obj[])].sort((a, b) => nodeId(a).localeCompare(nodeId(b)));
  const byKind = (k: string) => all.filter((o) => o.kind === k);
  const find = (kind: string, ns: string | undefined, name: string) => all.find((o) => o.kind === kind && o.metadata.namespace === ns && o.metadata.name === name);
  const workloads = all.filter((o) => WORKLOAD_KINDS.has(o.kind) && podTemplate(o));
  const namespaces = [...new Set([...byKind('Namespace').map((n) => n.metadata.name), ...all.map((o) => o.metadata.namespace).filter((n): n is string => !!n)])].sort();

  // `group`: the workload whose box (configuration view) holds the node.
  const nodes = new Map<string, { ns?: string; group?: string; attrs: string }>();
  // Claim templates sit beside (below) their StatefulSet rather than a column further right: narrower picture.
  const sameRank: Array<[string, string]> = [];
  const edges = new Map<string, Edge>();
  const addNode = (id: string, ns: string | undefined, label: string, color: string, extra = '', group?: string) => {
    if (!nodes.has(id)) nodes.set(id, { ns, group, attrs: `label=${label.startsWith('<') ? label : q(label)}, fillcolor=${q(color)}${extra ? `, ${extra}` : ''}` });
  };
  /** Per namespace, the directions a policy for all of its pods denies. */
  const denies = new Map<string, Set<string>>();
  /** Lines under a namespace's name: policies that apply to all of its pods. */
  const namespaceNotes = new Map<string, Set<string>>();
  const addEdge = (from: string, to: string, kind: Edge['kind'], label?: string) => {
    const key = `${from}\0${to}\0${kind}`;
    const e = edges.get(key) ?? { from, to, kind, labels: new Set<string>() };
    if (label) e.labels.add(label);
    edges.set(key, e);
  };

  // Workloads, with the replica count, ports, and the PDBs and HPAs that govern them.
  const podsOf = (ns: string | undefined, selector: unknown) => workloads.filter((w) => w.metadata.namespace === ns && selects(selector, podTemplate(w)?.metadata?.labels));
  for (const w of workloads) {
    const spec = podTemplate(w)!.spec ?? {};
    const lines: string[] = [];
    const hpas = byKind('HorizontalPodAutoscaler').filter((h) => h.metadata.namespace === w.metadata.namespace && h.spec?.scaleTargetRef?.kind === w.kind && h.spec?.scaleTargetRef?.name === w.metadata.name);
    if (hpas.length === 0 && typeof w.spec?.replicas === 'number') lines.push(`${w.spec.replicas} replica${w.spec.replicas === 1 ? '' : 's'}`);
    for (const h of hpas) {
      const cpu = (h.spec.metrics ?? []).find((m: any) => m.resource?.name === 'cpu')?.resource?.target?.averageUtilization;
      lines.push(`HPA ${h.metadata.name}: ${h.spec.minReplicas ?? 1}–${h.spec.maxReplicas} replicas${cpu ? ` at ${cpu}% CPU` : ''}`);
    }
    for (const p of byKind('PodDisruptionBudget').filter((b) => b.metadata.namespace === w.metadata.namespace && selects(b.spec?.selector, podTemplate(w)?.metadata?.labels))) {
      const budget = p.spec.maxUnavailable !== undefined ? `maxUnavailable ${p.spec.maxUnavailable}` : `minAvailable ${p.spec.minAvailable}`;
      lines.push(`PDB ${p.metadata.name}: ${budget}`);
    }
    const containers: any[] = spec.containers ?? [];
    for (const c of containers) {
      const cports = (c.ports ?? []).map((p: any) => `:${p.containerPort}${p.name ? ` ${p.name}` : ''}`);
      // One container (the usual case) needs no name; image and ports on their own lines keep the box narrow.
      lines.push(`${containers.length > 1 ? `${c.name}: ` : ''}${shortImage(String(c.image))}`);
      if (cports.length) lines.push(`${containers.length > 1 ? `${c.name} ` : 'port '}${cports.join(', ')}`);
    }
    // Configuration read by the pods: env (named keys), envFrom, and volumes (with mount paths).
    const uses = new Map<string, string[]>();
    const use = (kind: string, name: string, how: string) => {
      const key = `${kind}/${name}`;
      uses.set(key, [...(uses.get(key) ?? []), how]);
    };
    const envVars = new Map<string, string[]>();
    for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.configMapKeyRef ? ['ConfigMap', e.valueFrom.configMapKeyRef.name] : e.valueFrom?.secretKeyRef ? ['Secret', e.valueFrom.secretKeyRef.name] : undefined;
        if (ref) envVars.set(`${ref[0]}/${ref[1]}`, [...(envVars.get(`${ref[0]}/${ref[1]}`) ?? []), e.name]);
      }
      for (const f of c.envFrom ?? []) {
        if (f.configMapRef) use('ConfigMap', f.configMapRef.name, 'envFrom');
        if (f.secretRef) use('Secret', f.secretRef.name, 'envFrom');
      }
    }
    for (const [key, names] of envVars) use(key.split('/')[0], key.slice(key.indexOf('/') + 1), `env ${short([...new Set(names)], 1)}`);
    const mounts = (volume: string) => [...new Set((spec.containers ?? []).flatMap((c: any) => (c.volumeMounts ?? []).filter((m: any) => m.name === volume).map((m: any) => m.mountPath as string)))] as string[];
    for (const v of spec.volumes ?? []) {
      const at = mounts(v.name);
      // "file", not the mount path: with a dozen mounted ConfigMaps and Secrets the paths
      // fill the picture; `npm run diff` and the YAML have them.
      const how = 'file';
      if (v.configMap) use('ConfigMap', v.configMap.name, how);
      if (v.secret) use('Secret', v.secret.secretName, how);
      for (const s of v.projected?.sources ?? []) {
        if (s.configMap) use('ConfigMap', s.configMap.name, how);
        if (s.secret) use('Secret', s.secret.name, how);
      }
      if (v.persistentVolumeClaim && view === 'traffic') {
        const pvc = find('PersistentVolumeClaim', w.metadata.namespace, v.persistentVolumeClaim.claimName);
        const id = pvc ? nodeId(pvc) : `PersistentVolumeClaim/${w.metadata.namespace}/${v.persistentVolumeClaim.claimName}`;
        addNode(id, w.metadata.namespace, htmlLabel(`PVC ${v.persistentVolumeClaim.claimName}`, pvc ? [`${pvc.spec?.resources?.requests?.storage ?? ''} ${(pvc.spec?.accessModes ?? []).join(', ')}`.trim()] : ['not in the manifests']), COLORS.PersistentVolumeClaim, pvc ? '' : 'style="rounded,filled,dashed"');
        addEdge(nodeId(w), id, 'storage', short(at, 2));
      }
    }
    // The traffic view counts what the pods read (the configuration view draws it) and keeps
    // the rest of the box; the configuration view needs only the name.
    const counted = (kind: string) => [...uses.keys()].filter((k) => k.startsWith(`${kind}/`)).length;
    const reads = ['ConfigMap', 'Secret'].map((k) => [k, counted(k)] as const).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}${n === 1 ? '' : 's'}`);
    const readsLines = reads.length > 0 ? [`reads ${reads.join(', ')}`] : [];
    addNode(nodeId(w), w.metadata.namespace, htmlLabel(`${w.kind} ${w.metadata.name}`, view === 'traffic' ? [...lines, ...readsLines] : []), COLORS.workload, '', nodeId(w));

    if (view === 'configuration') {
      // One copy of each object per workload that reads it, inside that workload's box:
      // short arrows that cross nothing (an object read by several workloads is in each box).
      for (const [key, hows] of [...uses].sort(([a], [b]) => a.localeCompare(b))) {
        const [kind, name] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
        const obj = find(kind, w.metadata.namespace, name);
        const id = `${obj ? nodeId(obj) : `${kind}/${w.metadata.namespace}/${name}`}@${nodeId(w)}`;
        // A referenced object that is not rendered (a Secret created out of band) is drawn dashed.
        addNode(id, w.metadata.namespace, htmlLabel(`${kind} ${name}`, obj ? [] : ['created out of band']), COLORS[kind], obj ? '' : 'style="rounded,filled,dashed"', nodeId(w));
        addEdge(id, nodeId(w), 'config', [...new Set(hows)].join(', '));
      }
      if (spec.serviceAccountName) {
        const sa = find('ServiceAccount', w.metadata.namespace, spec.serviceAccountName);
        const id = `${sa ? nodeId(sa) : `ServiceAccount/${w.metadata.namespace}/${spec.serviceAccountName}`}@${nodeId(w)}`;
        addNode(id, w.metadata.namespace, htmlLabel(`ServiceAccount ${spec.serviceAccountName}`, sa ? [] : ['not in the manifests']), COLORS.ServiceAccount, sa ? '' : 'style="rounded,filled,dashed"', nodeId(w));
        // No label: the box says ServiceAccount, and the legend what the dotted arrows are.
        addEdge(id, nodeId(w), 'config');
      }
      continue;
    }

    // Claim templates: one PVC per replica, named <template>-<pod>.
    for (const t of w.kind === 'StatefulSet' ? w.spec?.volumeClaimTemplates ?? [] : []) {
      const id = `${nodeId(w)}/claim/${t.metadata?.name}`;
      addNode(id, w.metadata.namespace, htmlLabel(`PVC ${t.metadata?.name}-${w.metadata.name}-N`, [`${t.spec?.resources?.requests?.storage ?? '?'} ${(t.spec?.accessModes ?? []).join(', ')}${t.spec?.storageClassName ? ` ${t.spec.storageClassName}` : ''}`]), COLORS.PersistentVolumeClaim);
      addEdge(nodeId(w), id, 'storage', `${short(mounts(t.metadata?.name), 2)}`);
      sameRank.push([nodeId(w), id]);
    }
  }

  // The request path and the connections NetworkPolicies allow: the traffic view's.
  if (view === 'traffic') {
    // Services and what they route to.
    for (const s of byKind('Service')) {
      const sp = s.spec ?? {};
      const portList = (sp.ports ?? []).map((p: any) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}`);
      const type = sp.type === 'ExternalName' ? `ExternalName → ${sp.externalName}` : sp.clusterIP === 'None' ? 'headless' : sp.type ?? 'ClusterIP';
      addNode(nodeId(s), s.metadata.namespace, htmlLabel(`Service ${s.metadata.name}`, [`${type}${portList.length ? ` :${portList.join(', :')}` : ''}`]), COLORS.Service);
      if (sp.selector) {
        for (const w of podsOf(s.metadata.namespace, sp.selector)) {
          const governs = w.kind === 'StatefulSet' && w.spec?.serviceName === s.metadata.name;
          addEdge(nodeId(s), nodeId(w), 'traffic', `${(sp.ports ?? []).map((p: any) => `→ ${p.targetPort ?? p.port}`).join(', ')}${governs ? ' (pod DNS)' : ''}`);
        }
      }
    }
    for (const w of workloads.filter((x) => x.kind === 'StatefulSet' && x.spec?.serviceName)) {
      const s = find('Service', w.metadata.namespace, w.spec.serviceName);
      if (!s) {
        const id = `Service/${w.metadata.namespace}/${w.spec.serviceName}`;
        addNode(id, w.metadata.namespace, htmlLabel(`Service ${w.spec.serviceName}`, ['serviceName: not in the manifests']), COLORS.Service, 'style="rounded,filled,dashed"');
        addEdge(id, nodeId(w), 'traffic', 'pod DNS');
      }
    }

    // Ingresses: host and path onto the edge to each backend Service.
    for (const i of byKind('Ingress')) {
      const tlsHosts = new Set((i.spec?.tls ?? []).flatMap((t: any) => t.hosts ?? []));
      const hosts = [...new Set((i.spec?.rules ?? []).map((r: any) => r.host ?? '*'))] as string[];
      addNode(nodeId(i), i.metadata.namespace, htmlLabel(`Ingress ${i.metadata.name}`, [
        ...hosts.map((h) => `${tlsHosts.has(h) ? 'https' : 'http'}://${h}`),
        ...(i.spec?.ingressClassName ? [`class ${i.spec.ingressClassName}`] : []),
      ]), COLORS.Ingress);
      const backends: Array<[string, any]> = [];
      if (i.spec?.defaultBackend?.service) backends.push(['(default)', i.spec.defaultBackend.service]);
      for (const r of i.spec?.rules ?? []) for (const p of r.http?.paths ?? []) if (p.backend?.service) backends.push([p.path ?? '/', p.backend.service]);
      for (const [p, svc] of backends) {
        const s = find('Service', i.metadata.namespace, svc.name);
        const id = s ? nodeId(s) : `Service/${i.metadata.namespace}/${svc.name}`;
        if (!s) addNode(id, i.metadata.namespace, htmlLabel(`Service ${svc.name}`, ['not in the manifests']), COLORS.Service, 'style="rounded,filled,dashed"');
        addEdge(nodeId(i), id, 'traffic', `${p} → :${svc.port?.name ?? svc.port?.number}`);
      }
    }

    // Gateways (listeners) -> HTTPRoutes (hostnames, rules) -> Services (path onto the edge).
    for (const g of byKind('Gateway')) {
      addNode(nodeId(g), g.metadata.namespace, htmlLabel(`Gateway ${g.metadata.name}`, [
        ...(g.spec?.listeners ?? []).map((l: any) => `${l.name}: ${String(l.protocol).toLowerCase()}://${l.hostname ?? '*'}:${l.port}${l.tls?.certificateRefs ? ` (${l.tls.certificateRefs.map((c: any) => c.name).join(', ')})` : ''}`),
        `class ${g.spec?.gatewayClassName}`,
      ]), COLORS.Gateway);
    }
    for (const r of byKind('HTTPRoute')) {
      const ns = r.metadata.namespace;
      const redirects = (r.spec?.rules ?? []).flatMap((rule: any) => (rule.filters ?? []).filter((f: any) => f.type === 'RequestRedirect'));
      addNode(nodeId(r), ns, htmlLabel(`HTTPRoute ${r.metadata.name}`, [
        ...(r.spec?.hostnames ?? ['*']),
        ...redirects.map((f: any) => `redirect to ${f.requestRedirect?.scheme ?? 'same scheme'}${f.requestRedirect?.statusCode ? ` (${f.requestRedirect.statusCode})` : ''}`),
      ]), COLORS.HTTPRoute);
      for (const p of r.spec?.parentRefs ?? []) {
        const g = find('Gateway', p.namespace ?? ns, p.name);
        const id = g ? nodeId(g) : `Gateway/${p.namespace ?? ns}/${p.name}`;
        if (!g) addNode(id, p.namespace ?? ns, htmlLabel(`Gateway ${p.name}`, ['not in the manifests']), COLORS.Gateway, 'style="rounded,filled,dashed"');
        addEdge(id, nodeId(r), 'traffic', p.sectionName ?? 'all listeners');
      }
      for (const rule of r.spec?.rules ?? []) {
        for (const b of rule.backendRefs ?? []) {
          if ((b.kind ?? 'Service') !== 'Service') continue;
          const s = find('Service', b.namespace ?? ns, b.name);
          const id = s ? nodeId(s) : `Service/${b.namespace ?? ns}/${b.name}`;
          if (!s) addNode(id, b.namespace ?? ns, htmlLabel(`Service ${b.name}`, ['not in the manifests']), COLORS.Service, 'style="rounded,filled,dashed"');
          const path = rule.matches?.[0]?.path;
          addEdge(nodeId(r), id, 'traffic', `${path ? `${path.value}${path.type === 'Exact' ? ' (exact)' : ''}` : '/'} → :${b.port}`);
        }
      }
    }

    // NetworkPolicies: one edge per allowed (peer, pods) pair, in the direction traffic flows.
    for (const np of byKind('NetworkPolicy')) {
      const ns = np.metadata.namespace;
      const types: string[] = np.spec?.policyTypes ?? (np.spec?.egress ? ['Ingress', 'Egress'] : ['Ingress']);
      const targets = podsOf(ns, np.spec?.podSelector ?? {});
      const everyPod = describeSelector(np.spec?.podSelector) === 'all';
      if (everyPod) {
        for (const t of types) if (!(np.spec?.[t.toLowerCase()] ?? []).length) denies.set(ns ?? '', new Set([...(denies.get(ns ?? '') ?? []), t.toLowerCase()]));
      }
      // A policy for every pod of the namespace (DNS, say) is one line under its name, not an
      // arrow from every workload across the picture.
      const note = (line: string) => namespaceNotes.set(ns ?? '', new Set([...(namespaceNotes.get(ns ?? '') ?? []), line]));
      const peerText = (rule: any, side: 'from' | 'to'): string => {
        const peers: any[] | undefined = rule[side];
        if (!peers || peers.length === 0) return side === 'from' ? 'any source' : 'any destination';
        return peers.map((p: any) => {
          if (p.ipBlock) return `${p.ipBlock.cidr}${p.ipBlock.except?.length ? ` except ${p.ipBlock.except.join(', ')}` : ''}`;
          const podText = p.podSelector ? `pods ${describeSelector(p.podSelector)}` : 'all pods';
          if (!p.namespaceSelector) return podText;
          const nsName = p.namespaceSelector.matchLabels?.['kubernetes.io/metadata.name'];
          return `${nsName && Object.keys(p.namespaceSelector.matchLabels).length === 1 && !p.namespaceSelector.matchExpressions ? `namespace ${nsName}` : `namespaces ${describeSelector(p.namespaceSelector)}`} ${podText}`;
        }).join(', ');
      };
      if (everyPod) {
        if (types.includes('Ingress')) for (const rule of np.spec?.ingress ?? []) note(`every pod ← ${peerText(rule, 'from')}: ${ports(rule.ports)}`);
        if (types.includes('Egress')) for (const rule of np.spec?.egress ?? []) note(`every pod → ${peerText(rule, 'to')}: ${ports(rule.ports)}`);
        continue;
      }
      const peersOf = (rule: any, side: 'from' | 'to'): string[] => {
        const peers: any[] | undefined = rule[side];
        if (!peers || peers.length === 0) {
          const id = `external/any-${side}`;
          addNode(id, undefined, htmlLabel(side === 'from' ? 'any source' : 'any destination', ['no peer restriction']), COLORS.external, 'shape=plaintext');
          return [id];
        }
        return peers.flatMap((p: any): string[] => {
          if (p.ipBlock) {
            const id = `external/cidr/${p.ipBlock.cidr}`;
            addNode(id, undefined, htmlLabel(p.ipBlock.cidr, p.ipBlock.except?.length ? [`except ${p.ipBlock.except.join(', ')}`] : []), COLORS.external, 'shape=plaintext');
            return [id];
          }
          if (!p.namespaceSelector) return podsOf(ns, p.podSelector ?? {}).map(nodeId);
          // A namespace in the manifests: its pods; any other namespace: a peer box named by its selectors.
          const known = byKind('Namespace').filter((n) => selects(p.namespaceSelector, { ...n.metadata.labels, 'kubernetes.io/metadata.name': n.metadata.name }));
          if (known.length) return known.flatMap((n) => podsOf(n.metadata.name, p.podSelector ?? {}).map(nodeId));
          const nsName = p.namespaceSelector.matchLabels?.['kubernetes.io/metadata.name'];
          const nsText = nsName && Object.keys(p.namespaceSelector.matchLabels).length === 1 && !p.namespaceSelector.matchExpressions ? `namespace ${nsName}` : `namespaces ${describeSelector(p.namespaceSelector)}`;
          const podText = p.podSelector ? `pods ${describeSelector(p.podSelector)}` : 'all pods';
          const id = `external/ns/${nsText}/${podText}`;
          addNode(id, undefined, htmlLabel(nsText, [podText]), COLORS.external, 'shape=box, style="rounded,dashed"');
          return [id];
        });
      };
      if (types.includes('Ingress')) {
        for (const rule of np.spec?.ingress ?? []) for (const peer of peersOf(rule, 'from')) for (const t of targets) addEdge(peer, nodeId(t), 'allowed', ports(rule.ports));
      }
      if (types.includes('Egress')) {
        for (const rule of np.spec?.egress ?? []) for (const peer of peersOf(rule, 'to')) for (const t of targets) addEdge(nodeId(t), peer, 'allowed', ports(rule.ports));
      }
    }
  }

  // Everything else, listed so that nothing in the manifests is invisible.
  // (Configuration objects a workload reads are nodes `<object>@<workload>` in that view.)
  const drawn = new Set([...nodes.keys()].map((id) => id.split('@')[0]));
  const unlessDrawn = view === 'traffic' ? ['PersistentVolumeClaim'] : [...CONFIG_KINDS];
  for (const ns of [undefined, ...namespaces]) {
    const others = all.filter((o) => o.metadata.namespace === ns && ((view === 'traffic' && !DRAWN_KINDS.has(o.kind)) || (unlessDrawn.includes(o.kind) && !drawn.has(nodeId(o)))));
    if (others.length) addNode(`other/${ns ?? ''}`, ns, htmlLabel(ns ? 'also in the namespace' : 'cluster-scoped', others.map((o) => `${o.kind} ${o.metadata.name}`)), COLORS.other, 'style="rounded,dashed"');
  }

  const out: string[] = [
    'digraph architecture {',
    `  graph [rankdir=LR, fontname="Helvetica", fontsize=12, labelloc=t, label=${q(title)}, nodesep=0.2, ranksep=0.35, newrank=true, pad=0.25, forcelabels=true];`,
    // Wide margins: the viewer's font may run wider than the widths Graphviz estimates for Helvetica.
    '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11, margin="0.24,0.05"];',
    '  edge [fontname="Helvetica", fontsize=10, arrowsize=0.6];',
  ];
  const emit = (indent: string, ns: string | undefined) => {
    const inNs = [...nodes].filter(([, n]) => n.ns === ns).sort(([a], [b]) => a.localeCompare(b));
    if (view === 'traffic') {
      for (const [id, n] of inNs) out.push(`${indent}${q(id)} [${n.attrs}];`);
      return;
    }
    // Configuration view: each workload and what its pods read, in a box of their own.
    for (const [id, n] of inNs.filter(([, x]) => x.group === undefined)) out.push(`${indent}${q(id)} [${n.attrs}];`);
    for (const group of [...new Set(inNs.map(([, n]) => n.group).filter((g): g is string => g !== undefined))].sort()) {
      out.push(`${indent}subgraph ${q(`cluster_${group}`)} {`, `${indent}  label=""; style="rounded,dashed"; color="#bdc3c7";`);
      for (const [id, n] of inNs.filter(([, x]) => x.group === group)) out.push(`${indent}  ${q(id)} [${n.attrs}];`);
      out.push(`${indent}}`);
    }
  };
  emit('  ', undefined);
  for (const ns of namespaces) {
    const nsObj = find('Namespace', undefined, ns);
    const pss = nsObj?.metadata.labels?.['pod-security.kubernetes.io/enforce'];
    const deny = [...(denies.get(ns) ?? [])].sort();
    const sub = [pss ? `pod security: ${pss}` : '', deny.length ? `default deny: ${deny.join(' + ')}` : ''].filter(Boolean).join(' · ');
    const notes = [...(namespaceNotes.get(ns) ?? [])].sort();
    const small = [sub, ...notes].filter(Boolean).map((l) => `<BR/><FONT POINT-SIZE="9">${esc(l)}</FONT>`).join('');
    out.push(`  subgraph ${q(`cluster_${ns}`)} {`, `    label=<<B>namespace ${esc(ns)}</B>${small}>; style="rounded"; color="#95a5a6";`);
    emit('    ', ns);
    for (const [a, b] of sameRank.filter(([a]) => nodes.get(a)?.ns === ns)) out.push(`    { rank=same; ${q(a)}; ${q(b)}; }`);
    out.push('  }');
  }
  const style: Record<Edge['kind'], string> = {
    traffic: `color=${q(TRAFFIC)}, fontcolor=${q(TRAFFIC)}`,
    allowed: `color=${q(ALLOWED)}, fontcolor=${q(ALLOWED)}, style=dashed`,
    config: `color=${q(CONFIG)}, fontcolor=${q(CONFIG)}, style=dotted`,
    storage: `color=${q(CONFIG)}, fontcolor=${q(CONFIG)}`,
  };
  // Every edge, pod-to-pod ones included, places its head to the right of its tail: the
  // picture reads left to right in the direction requests go (client, then server).
  for (const e of [...edges.values()].sort((a, b) => `${a.from}\0${a.to}\0${a.kind}`.localeCompare(`${b.from}\0${b.to}\0${b.kind}`))) {
    const label = [...e.labels].sort().join('\n');
    out.push(`  ${q(e.from)} -> ${q(e.to)} [${style[e.kind]}${label ? `, label=${q(label)}` : ''}];`);
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}
