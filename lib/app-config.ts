/**
 * Application configuration as a ConfigMap (non-secret settings) and a Secret
 * (credentials), with typed accessors that only hand out references to keys that
 * exist, so an env var can never point at a missing ConfigMap or Secret key.
 *
 * Longer than the ~300 lines a file of this folder aims at: the ConfigMap and the Secret
 * share their name, their size limits and the typed key accessors, and the database
 * wiring (`database` prop) writes into both; split, each half would need the other's.
 */
import * as k8s from './k8s';
import { Construct } from 'constructs';
import { compact } from './compact';
import { configHash } from './config-hash';
import { IDatabaseConnection, connectionSettings } from './database-connection';
import { validateLabels } from './labels';
import { LabelledProps, ValidationError, fieldOf, namespaceFor, validateDnsLabel, validateDnsSubdomain, validateEnvVarName } from './prop-checks';
import { objectSizeProblem, utf8Bytes } from './object-size';
import { checkUniqueObjects } from './unique-objects';

/**
 * Workload annotation listing, comma-separated, the Secrets the workload reads that are
 * created out of band and so are not in the synthesized YAML. Manifest checks (the
 * refarch-policy plugin) accept a reference to a missing Secret only when it is
 * listed here: a missing Secret that nobody declared is a mistake.
 */
export const EXTERNAL_SECRETS_ANNOTATION = 'refarch.example.com/external-secrets';

/** Setting that holds the database user, where database constructs look by default. */
export const DEFAULT_USER_KEY = 'DB_USER';
/** Setting that holds the database name, where database constructs look by default. */
export const DEFAULT_DATABASE_KEY = 'DB_NAME';
/** Secret key that holds the password, where workloads look by default. */
export const DEFAULT_PASSWORD_KEY = 'password';

/** Props of {@link AppConfig}. */
export interface AppConfigProps extends LabelledProps {
  /**
   * Instance name: the ConfigMap is `<name>-config`, the Secret `<name>-credentials`
   * (unless `configMapName` or `secretName` say otherwise). Give each application of a
   * namespace its own.
   * @default 'app'
   */
  readonly name?: string | undefined;
  /**
   * ConfigMap name.
   * @default '<name>-config'
   */
  readonly configMapName?: string | undefined;
  /**
   * Non-secret settings. Keys are environment variable names, because workloads load
   * the whole ConfigMap with `envFrom`.
   * @default { DB_USER: 'app', DB_NAME: 'app' } without `database`, none with it
   */
  readonly settings?: Record<string, string> | undefined;
  /**
   * The database the application connects to (`db.connection` of a PostgresDatabase or an
   * ExternalDatabase, or your own {@link IDatabaseConnection}): adds DB_HOST, DB_PORT,
   * DB_NAME, DB_USER, DB_SSLMODE (and DB_READ_HOST) to the settings, so they follow the
   * database when it is renamed or moved. `settings` must not set those keys as well.
   * @default - no connection settings
   */
  readonly database?: IDatabaseConnection | undefined;
  /**
   * Secret name.
   * @default - the database's password Secret (`database.passwordSecret`) when it names one in this namespace and no other Secret prop is set, else '<name>-credentials'
   */
  readonly secretName?: string | undefined;
  /**
   * Secret values to render into the Secret, e.g. `{ password: '...' }`. Only for
   * development: anything here ends up in the synthesized YAML (base64 is not encryption).
   * Leave it out to reference a Secret created out of band (`kubectl create secret`).
   * @default - no Secret is rendered; it must exist in the cluster with `existingSecretKeys`
   */
  readonly secretStringData?: Record<string, string> | undefined;
  /**
   * Keys the out-of-band Secret must contain. Only used without `secretStringData`.
   * @default ['password'], or the database's password key with `database` (its Secret, or a copy in this namespace)
   */
  readonly existingSecretKeys?: string[] | undefined;
}

/** Options of {@link AppConfig.secretMount}. */
export interface SecretMountOptions {
  /**
   * Secret keys to project as files, each named after its key. Only these are
   * mounted, so a workload sees just the credentials it uses.
   * @default - every key of the Secret
   */
  readonly keys?: string[] | undefined;
  /**
   * Directory the files appear in.
   * @default '/etc/secrets/<secretName>'
   */
  readonly mountPath?: string | undefined;
  /**
   * Name of the pod volume.
   * @default 'secret-<secretName>' (truncated to 63 characters)
   */
  readonly volumeName?: string | undefined;
  /**
   * File mode. The default is readable by root and the group only: the kubelet gives the
   * files the pod's `fsGroup`, so the pod must set one that its user belongs to
   * (WebTier and PostgresDatabase do).
   * @default 0o440
   */
  readonly mode?: number | undefined;
}

/** A Secret volume and its read-only mount, from {@link AppConfig.secretMount}. */
export interface SecretMount {
  /** Goes into the pod's `volumes`. */
  readonly volume: k8s.Volume;
  /** Goes into the container's `volumeMounts`. */
  readonly volumeMount: k8s.VolumeMount;
  /** Absolute path of the file holding `key`; throws if `key` is not mounted. */
  filePath(key: string): string;
}

/** A ConfigMap and a Secret consumed as environment variables. */
export class AppConfig extends Construct {
  public readonly namespace: string;
  /** Instance name the object names derive from. */
  public readonly name: string;
  public readonly configMapName: string;
  public readonly secretName: string;
  /** The settings as rendered into the ConfigMap. */
  public readonly settings: Readonly<Record<string, string>>;
  /** True when the Secret is rendered here; false when it must be created out of band. */
  public readonly rendersSecret: boolean;
  /**
   * Digest of the ConfigMap data and of the rendered Secret data, for the pod-template
   * annotation that rolls pods on a change. An out-of-band Secret is not part of it:
   * after rotating one, run `kubectl rollout restart`.
   */
  public readonly hash: string;
  public readonly configMap: k8s.KubeConfigMap;
  /** The rendered Secret; undefined when it is created out of band. */
  public readonly secret?: k8s.KubeSecret | undefined;
  private readonly secretKeys: readonly string[];
  private readonly secretData: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: AppConfigProps = {}) {
    super(scope, id);
    checkUniqueObjects(this);
    this.namespace = namespaceFor(this, fieldOf(this, 'namespace'), props.namespace);
    const name = this.name = validateDnsSubdomain(fieldOf(this, 'name'), props.name ?? 'app');
    this.configMapName = validateDnsSubdomain(fieldOf(this, 'configMapName'), props.configMapName ?? `${name}-config`);
    // With a database that names its password Secret, the app reads the password from there;
    // from another namespace, from a copy `<name>-credentials` with the same key (a pod reads
    // Secrets of its own namespace only).
    const dbSecret = props.database?.passwordSecret;
    const ownSecretProps = props.secretName !== undefined || props.secretStringData !== undefined || props.existingSecretKeys !== undefined;
    const useDbSecret = dbSecret !== undefined && !ownSecretProps && dbSecret.namespace === this.namespace;
    const dbKeyOnly = dbSecret !== undefined && !ownSecretProps;
    this.secretName = validateDnsSubdomain(fieldOf(this, 'secretName'), props.secretName ?? (useDbSecret ? dbSecret.name : `${name}-credentials`));
    if (props.secretStringData && props.existingSecretKeys) {
      throw new ValidationError(fieldOf(this, 'existingSecretKeys'), props.existingSecretKeys,
        'Conflicts with secretStringData: set secretStringData to render the Secret, or existingSecretKeys to reference one created with kubectl, not both.');
    }
    const fromDatabase = props.database === undefined ? {} : connectionSettings(props.database);
    for (const key of Object.keys(fromDatabase)) {
      if (props.settings !== undefined && key in props.settings) {
        throw new ValidationError(fieldOf(this, `settings.${key}`), props.settings[key],
          'Conflicts with database, which sets it from the database construct: remove it from settings (or leave database out and write all DB_ settings yourself).');
      }
    }
    const settings: Record<string, string> = {
      ...(props.settings ?? (props.database === undefined ? { [DEFAULT_USER_KEY]: 'app', [DEFAULT_DATABASE_KEY]: 'app' } : {})),
      ...fromDatabase,
    };
    for (const [key, value] of Object.entries(settings)) {
      validateEnvVarName(fieldOf(this, `settings key`), key);
      if (typeof value !== 'string') {
        throw new ValidationError(fieldOf(this, `settings.${key}`), value, 'Must be a string (ConfigMap values are strings; quote numbers, e.g. "5432").');
      }
      if (LONE_SURROGATE.test(value)) {
        throw new ValidationError(fieldOf(this, `settings.${key}`), value, 'Must be valid Unicode text: a lone UTF-16 surrogate (e.g. "\\ud800" in JSON) cannot be written as UTF-8 and would become U+FFFD, a different value.');
      }
      const unreadable = NOT_READ_BACK.exec(value);
      if (unreadable !== null) {
        const code = `U+${unreadable[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
        throw new ValidationError(fieldOf(this, `settings.${key}`), value, `Must be text that kubectl reads back unchanged from the YAML: no DEL or C1 control characters (U+007F-U+009F), no U+2028 or U+2029 (line breaks to kubectl's YAML reader), no U+FFFE or U+FFFF. Here ${code} at position ${unreadable.index + 1}.`);
      }
    }
    this.settings = sortedCopy(settings);
    this.rendersSecret = props.secretStringData !== undefined;
    const secretData = props.secretStringData ?? {};
    for (const [key, value] of Object.entries(secretData)) {
      if (!/^[-._a-zA-Z0-9]+$/.test(key)) {
        throw new ValidationError(fieldOf(this, 'secretStringData key'), key, 'Must consist of letters, digits, \'-\', \'_\' or \'.\'.');
      }
      if (typeof value !== 'string' || value.length === 0 || LONE_SURROGATE.test(value)) {
        throw new ValidationError(fieldOf(this, `secretStringData.${key}`), value === undefined ? undefined : '<redacted>', 'Must be a non-empty string of valid Unicode text (no lone UTF-16 surrogate).');
      }
    }
    this.secretKeys = this.rendersSecret ? Object.keys(secretData).sort() : (props.existingSecretKeys ?? [dbKeyOnly ? dbSecret.key : DEFAULT_PASSWORD_KEY]);
    this.secretData = secretData;
    this.hash = configHash(this.settings, secretData);

    this.configMap = new k8s.KubeConfigMap(this, 'ConfigMap', {
      metadata: compact({ name: this.configMapName, namespace: this.namespace, labels: validateLabels(fieldOf(this, 'labels'), props.labels) }),
      data: { ...this.settings },
    });
    if (this.rendersSecret) {
      this.secret = new k8s.KubeSecret(this, 'Secret', {
        metadata: compact({ name: this.secretName, namespace: this.namespace, labels: props.labels }),
        type: 'Opaque',
        data: Object.fromEntries(Object.entries(secretData).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')])),
      });
    }
    // Last, on the objects as they are written: what the API server and kubectl apply count.
    const tooBig = (field: string, object: { toJson(): any }, data: Readonly<Record<string, string>>) => {
      const values = Object.entries(data).map(([k, v]): [string, number] => [k, utf8Bytes(v)]);
      const problem = objectSizeProblem(object.toJson(), values);
      if (problem !== undefined) {
        throw new ValidationError(fieldOf(this, field), `<${values.reduce((n, [, b]) => n + b, 0)} bytes in ${values.length} values>`, `Must fit in one ${field === 'settings' ? 'ConfigMap' : 'Secret'}: ${problem}.`);
      }
    };
    tooBig('settings', this.configMap, this.settings);
    if (this.secret) tooBig('secretStringData', this.secret, secretData);
  }

  /**
   * Digest of only the given settings and Secret keys, for a workload that reads just
   * those: it then restarts only when something it uses changes.
   */
  public hashOf(settingKeys: string[], secretKeys: string[]): string {
    const pick = (data: Readonly<Record<string, string>>, keys: string[]) => {
      const picked: Record<string, string> = {};
      for (const key of keys) {
        const value = data[key];
        if (value !== undefined) picked[key] = value;
      }
      return picked;
    };
    return configHash(pick(this.settings, settingKeys), pick(this.secretData, secretKeys));
  }

  /** `envFrom` entry that loads every setting as an environment variable. */
  public envFrom(): k8s.EnvFromSource {
    return { configMapRef: { name: this.configMapName } };
  }

  /** An env var whose value is one setting. Throws if the key is not in the ConfigMap. */
  public settingEnv(envName: string, key: string): k8s.EnvVar {
    this.setting(key);
    return { name: envName, valueFrom: { configMapKeyRef: { name: this.configMapName, key } } };
  }

  /** An env var whose value is one Secret key. Throws if the key is not in the Secret. */
  public secretEnv(envName: string, key: string): k8s.EnvVar {
    this.checkSecretKey(key);
    return { name: envName, valueFrom: { secretKeyRef: { name: this.secretName, key } } };
  }

  /**
   * The Secret as read-only files: a `secret` volume projecting the chosen keys and its
   * mount. Files rather than env vars keep the value out of the pod's environment, which
   * `kubectl describe`, child processes and crash reports see.
   */
  public secretMount(options: SecretMountOptions = {}): SecretMount {
    const f = (prop: string) => `${this.node.path}: secretMount.${prop}`;
    const keys = options.keys ?? [...this.secretKeys];
    if (!Array.isArray(keys) || keys.length === 0) {
      throw new ValidationError(f('keys'), options.keys, 'Must name at least one key of the Secret.');
    }
    for (const key of keys) this.checkSecretKey(key);
    const mountPath = options.mountPath ?? `/etc/secrets/${this.secretName}`;
    if (typeof mountPath !== 'string' || !/^\/[^\0:]*$/.test(mountPath) || mountPath.split('/').includes('..') || (mountPath !== '/' && mountPath.endsWith('/'))) {
      throw new ValidationError(f('mountPath'), mountPath, 'Must be an absolute directory path without "..", ":" or a trailing "/", e.g. "/etc/secrets/db".');
    }
    const volumeName = validateDnsLabel(f('volumeName'), options.volumeName ?? `secret-${this.secretName}`.replace(/\./g, '-').slice(0, 63).replace(/-+$/, ''));
    const mode = options.mode ?? 0o440;
    if (!Number.isInteger(mode) || mode < 0 || mode > 0o777) {
      throw new ValidationError(f('mode'), mode, 'Must be a file mode from 0 to 0o777 (511), e.g. 0o440.');
    }
    const sortedKeys = [...new Set(keys)].sort();
    return {
      volume: {
        name: volumeName,
        secret: { secretName: this.secretName, defaultMode: mode, items: sortedKeys.map((key) => ({ key, path: key })) },
      },
      volumeMount: { name: volumeName, mountPath, readOnly: true },
      filePath: (key: string) => {
        if (!sortedKeys.includes(key)) {
          throw new ValidationError(`${this.node.path}: secret file`, key, `Not mounted; the mount has: ${sortedKeys.join(', ')}.`);
        }
        return `${mountPath === '/' ? '' : mountPath}/${key}`;
      },
    };
  }

  /**
   * Annotations for a workload that reads the Secret: declares it as created out of band
   * when it is not rendered here (see {@link EXTERNAL_SECRETS_ANNOTATION}), none otherwise.
   */
  public workloadAnnotations(): Record<string, string> | undefined {
    return this.rendersSecret ? undefined : { [EXTERNAL_SECRETS_ANNOTATION]: this.secretName };
  }

  private checkSecretKey(key: string): void {
    if (!this.secretKeys.includes(key)) {
      throw new ValidationError(`${this.node.path}: secret key`, key, `No such key; the Secret "${this.secretName}" has: ${this.secretKeys.join(', ')}.`);
    }
  }

  /** The value of a setting, for constructs that need it at synth time (e.g. a probe command). */
  public setting(key: string): string {
    const value = this.settings[key];
    if (value === undefined) {
      throw new ValidationError(`${this.node.path}: settings`, key, `No such setting; the ConfigMap "${this.configMapName}" has: ${Object.keys(this.settings).join(', ')}.`);
    }
    return value;
  }
}

/** A UTF-16 surrogate without its pair (with the u flag, a proper pair is one code point and does not match). */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
/**
 * Characters that do not survive the trip through the YAML cdk8s writes and kubectl reads
 * (sigs.k8s.io/yaml, YAML 1.1): written raw, they are refused as control characters or read
 * as line breaks. Found by test/upstream-oracle.test.ts over every code point.
 */
const NOT_READ_BACK = /[\u007f-\u009f\u2028\u2029\ufffe\uffff]/;

function sortedCopy(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
