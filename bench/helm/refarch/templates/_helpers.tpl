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
{{/* Claim templates are immutable: their labels leave out version, so an image upgrade does not change them. */}}
{{- define "refarch.dbClaimLabels" -}}{{ omit (include "refarch.dbLabels" . | fromYaml) "app.kubernetes.io/version" | toYaml }}{{- end }}
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

{{/* The database password as a read-only file (0440, group = the pod's fsGroup), never an env var. */}}
{{- define "refarch.passwordFile" -}}/etc/secrets/{{ .Values.credentials.secretName }}/password{{- end }}
{{- define "refarch.passwordMount" -}}
- name: secret-{{ .Values.credentials.secretName }}
  mountPath: /etc/secrets/{{ .Values.credentials.secretName }}
  readOnly: true
{{- end }}
{{- define "refarch.passwordVolume" -}}
- name: secret-{{ .Values.credentials.secretName }}
  secret:
    secretName: {{ .Values.credentials.secretName }}
    defaultMode: 288  # 0440 in decimal: YAML 1.1 and 1.2 readers disagree on a leading zero
    items:
      - { key: password, path: password }
{{- end }}

{{/* The backup jobs: their own components, so Services and policies can tell them from the database. */}}
{{- define "refarch.backupLabels" -}}{{ include "refarch.labels" (dict "ctx" .ctx "name" "postgresql-backup" "component" .component "version" .ctx.Values.database.version) }}{{- end }}
{{/* Both backup and restore pods: what the database's ingress policy admits. */}}
{{- define "refarch.backupSelector" -}}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/name: postgresql-backup
{{- end }}

{{- define "refarch.replicated" -}}{{ if gt (int .Values.database.replicas) 1 }}true{{ end }}{{- end }}
{{- define "refarch.dbTls" -}}{{ if .Values.database.tls.secretName }}true{{ end }}{{- end }}
{{/* The scripts are mounted with Patroni (replicas above 1). (The constructs also mount scripts for TLS on a single
instance; dev and prod, the environments this chart renders, have no such database.) */}}
{{- define "refarch.dbScripts" -}}{{ include "refarch.replicated" . }}{{- end }}

{{/*
Patroni's configuration, as lib/postgres-patroni.ts renders it: JSON (which YAML reads), two-space
indented, byte for byte what the constructs write into ConfigMap postgres-scripts.
*/}}
{{- /* bootstrap.yml: Patroni's bootstrap section, which member 0 alone reads (patroni.sh). */}}
{{- define "refarch.bootstrapYml" -}}
{{- $db := .Values.database -}}
{
  "bootstrap": {
    "dcs": {
      "ttl": {{ $db.failover.ttlSeconds }},
      "loop_wait": {{ $db.failover.loopWaitSeconds }},
      "retry_timeout": {{ $db.failover.retryTimeoutSeconds }},
      "maximum_lag_on_failover": 1048576,
      "synchronous_mode": {{ ne $db.synchronousReplication "off" }},
      "synchronous_mode_strict": {{ eq $db.synchronousReplication "strict" }},
      "failsafe_mode": false,
      "postgresql": {
        "use_pg_rewind": true,
        "use_slots": true,
        "parameters": {
          "wal_level": "replica",
          "hot_standby": "on",
          "max_wal_senders": 10,
          "max_replication_slots": 10,
          "wal_keep_size": "256MB",
          "wal_log_hints": "on",
          "hot_standby_feedback": "on",
          "password_encryption": "scram-sha-256"
        }
      }
    },
    "initdb": [
      {
        "encoding": "UTF8"
      },
      {
        "locale": "en_US.utf8"
      },
      "data-checksums"
    ],
    "post_bootstrap": "bash /opt/refarch/post-bootstrap.sh"
  }
}
{{- end }}

{{- define "refarch.patroniYml" -}}
{{- $db := .Values.database -}}
{{- $tls := include "refarch.dbTls" . -}}
{
  "scope": "postgres",
  "log": {
    "level": "INFO"
  },
  "restapi": {
    "listen": "0.0.0.0:8008"
  },
  "kubernetes": {
    "namespace": "{{ .Release.Namespace }}",
    "labels": {
      "app.kubernetes.io/name": "postgresql",
      "app.kubernetes.io/instance": "{{ .Release.Name }}",
      "app.kubernetes.io/component": "database"
    },
    "scope_label": "refarch.example.com/patroni-cluster",
    "role_label": "refarch.example.com/role",
    "leader_label_value": "primary",
    "follower_label_value": "replica",
    "standby_leader_label_value": "primary",
    "use_endpoints": true,
    "ports": [
      {
        "name": "postgresql",
        "port": {{ $db.port }}
      }
    ]
  },
  "postgresql": {
    "listen": "*:{{ $db.port }}",
    "data_dir": "/var/lib/postgresql/data/pgdata",
    "pgpass": "/tmp/pgpass",
    "use_unix_socket": true,
    "use_unix_socket_repl": true,
    "authentication": {
{{- if $tls }}
      "superuser": {
        "sslmode": "verify-full",
        "sslrootcert": "/etc/postgresql-tls/ca.crt"
      },
      "replication": {
        "sslmode": "verify-full",
        "sslrootcert": "/etc/postgresql-tls/ca.crt"
      }
{{- else }}
      "superuser": {},
      "replication": {}
{{- end }}
    },
    "parameters": {
{{- if $tls }}
      "unix_socket_directories": "/var/run/postgresql",
      "ssl": "on",
      "ssl_cert_file": "/etc/postgresql-tls/tls.crt",
      "ssl_key_file": "/etc/postgresql-tls/tls.key",
      "ssl_ca_file": "/etc/postgresql-tls/ca.crt"
{{- else }}
      "unix_socket_directories": "/var/run/postgresql"
{{- end }}
    },
    "pg_hba": [
      "local all all trust",
      "local replication all trust",
{{- if $tls }}
      "hostnossl all all all reject",
      "hostnossl replication all all reject",
{{- end }}
      "host replication {{ $db.replicationUser }} all scram-sha-256",
      "host all all all scram-sha-256"
    ],
    "remove_data_directory_on_rewind_failure": true,
    "remove_data_directory_on_diverged_timelines": true,
    "basebackup": [
      {
        "checkpoint": "fast"
      }
    ]
  },
  "watchdog": {
    "mode": "off"
  },
  "tags": {
    "nofailover": false,
    "noloadbalance": false,
    "clonefrom": false,
    "nosync": false
  }
}
{{ end }}

{{/* Secrets the workloads read that this chart does not render (created out of band), for the policy plugin's reference check. */}}
{{- define "refarch.externalSecrets" -}}
{{- $s := list -}}
{{- if not .Values.credentials.password }}{{ $s = append $s .Values.credentials.secretName }}{{ end -}}
{{- if .Values.database.tls.secretName }}{{ $s = append $s .Values.database.tls.secretName }}{{ end -}}
{{ join "," $s }}
{{- end }}

{{/*
Rolls the pods when a script changes: the digest cdk8s's configHash() computes (sha256 over
"key\0value\0" for the sorted keys, then "\x01", first 16 hex digits). Call with (dict "ctx" $ "dir" "files/postgres-scripts").
*/}}
{{- define "refarch.scriptsHash" -}}
{{- $text := "" -}}
{{- range $path, $_ := .ctx.Files.Glob (printf "%s/*" .dir) -}}
{{- $text = print $text (base $path) "\x00" ($.ctx.Files.Get $path) "\x00" -}}
{{- end -}}
{{ print $text "\x01" | sha256sum | trunc 16 }}
{{- end }}

{{/* The server's TLS settings (the key readable by the fsGroup only: postgres refuses a world-readable one). */}}
{{- define "refarch.tlsServerArgs" -}}
- -c
- ssl=on
- -c
- ssl_cert_file=/etc/postgresql-tls/tls.crt
- -c
- ssl_key_file=/etc/postgresql-tls/tls.key
- -c
- ssl_ca_file=/etc/postgresql-tls/ca.crt
{{- end }}
