{{/* The six recommended labels. Call with (dict "ctx" $ "name" "guestbook" "component" "web" "version" "0.1.0"). */}}
{{- define "refarch.labels" -}}
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/managed-by: cdk8s
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/part-of: {{ .ctx.Values.partOf }}
app.kubernetes.io/version: {{ .version | default .ctx.Values.version | quote }}
{{- end }}

{{/* What Services, PDBs and NetworkPolicies select on: never version or managed-by, which change. */}}
{{- define "refarch.selectorLabels" -}}
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/name: {{ .name }}
{{- end }}

{{- define "refarch.webLabels" -}}{{ include "refarch.labels" (dict "ctx" . "name" .Values.web.name "component" "web") }}{{- end }}
{{- define "refarch.webSelector" -}}{{ include "refarch.selectorLabels" (dict "ctx" . "name" .Values.web.name "component" "web") }}{{- end }}
{{- define "refarch.dbLabels" -}}{{ include "refarch.labels" (dict "ctx" . "name" "postgresql" "component" "database" "version" .Values.database.version) }}{{- end }}
{{- define "refarch.dbSelector" -}}{{ include "refarch.selectorLabels" (dict "ctx" . "name" "postgresql" "component" "database") }}{{- end }}
{{- define "refarch.platformLabels" -}}{{ include "refarch.labels" (dict "ctx" .ctx "name" .ctx.Values.partOf "component" .component) }}{{- end }}

{{/* Pod Security restricted: pod level. Call with (dict "uid" 999 "fsGroup" true). */}}
{{- define "refarch.podSecurityContext" -}}
{{- if .fsGroup }}
fsGroup: {{ .uid }}
fsGroupChangePolicy: OnRootMismatch
{{- end }}
runAsGroup: {{ .uid }}
runAsNonRoot: true
runAsUser: {{ .uid }}
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Pod Security restricted: container level, plus a read-only root filesystem. */}}
{{- define "refarch.containerSecurityContext" -}}
allowPrivilegeEscalation: false
capabilities:
  drop:
    - ALL
privileged: false
readOnlyRootFilesystem: true
runAsGroup: {{ . }}
runAsNonRoot: true
runAsUser: {{ . }}
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* requests/limits with every quantity quoted, so "1" stays a string as the API returns it. */}}
{{- define "refarch.resources" -}}
{{- range $kind := list "limits" "requests" }}
{{ $kind }}:
{{- range $k, $v := index $ $kind }}
  {{ $k }}: {{ $v | toString | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/* Rolls the pods when the configuration they read changes: a hash of the rendered ConfigMap and Secret. */}}
{{- define "refarch.configHash" -}}
{{- $cfg := include (print .Template.BasePath "/configmap.yaml") . -}}
{{- $sec := include (print .Template.BasePath "/secret.yaml") . -}}
{{ print $cfg $sec | sha256sum | trunc 16 }}
{{- end }}

{{- define "refarch.dbHost" -}}postgres.{{ .Release.Namespace }}.svc.cluster.local{{- end }}
