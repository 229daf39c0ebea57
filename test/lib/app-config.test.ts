import { AppConfig } from '../../lib/app-config';
import { all, find, synthIn } from '../support';

describe('AppConfig', () => {
  test('defaults: ConfigMap app-config with DB_USER/DB_NAME, no rendered Secret', () => {
    const m = synthIn((c) => new AppConfig(c, 'cfg'));
    expect(find(m, 'ConfigMap', 'app-config').data).toEqual({ DB_NAME: 'app', DB_USER: 'app' });
    expect(all(m, 'Secret')).toHaveLength(0);
  });

  test('renders settings sorted and the Secret base64-encoded', () => {
    const m = synthIn((c) => new AppConfig(c, 'cfg', {
      namespace: 'shop', configMapName: 'shop-config', secretName: 'shop-secret', labels: { a: 'b' },
      settings: { Z_LAST: '1', A_FIRST: '2' }, secretStringData: { password: 'pa ss' },
    }));
    const cm = find(m, 'ConfigMap', 'shop-config');
    expect(Object.keys(cm.data)).toEqual(['A_FIRST', 'Z_LAST']);
    expect(cm.metadata).toEqual({ name: 'shop-config', namespace: 'shop', labels: { a: 'b' } });
    const secret = find(m, 'Secret', 'shop-secret');
    expect(secret.type).toBe('Opaque');
    expect(secret.data).toEqual({ password: Buffer.from('pa ss').toString('base64') });
  });

  test('hands out references only to keys that exist', () => {
    synthIn((c) => {
      const cfg = new AppConfig(c, 'cfg', { settings: { DB_HOST: 'h' }, existingSecretKeys: ['token'] });
      expect(cfg.settingEnv('HOST', 'DB_HOST')).toEqual({ name: 'HOST', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'DB_HOST' } } });
      expect(cfg.secretEnv('TOKEN', 'token')).toEqual({ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'app-credentials', key: 'token' } } });
      expect(() => cfg.settingEnv('X', 'DB_PORT')).toThrow(/"DB_PORT"\. No such setting; the ConfigMap "app-config" has: DB_HOST/);
      expect(() => cfg.secretEnv('X', 'password')).toThrow(/"password"\. No such key; the Secret "app-credentials" has: token/);
    });
  });

  test('the hash changes with any setting or secret value, and only then', () => {
    // One namespace each: the same ConfigMap name twice in one namespace is refused as a duplicate.
    let a = '', b = '', c2 = '', d = '';
    synthIn((c) => {
      a = new AppConfig(c, 'a', { namespace: 'a', settings: { X: '1' }, secretStringData: { p: 'one' } }).hash;
      b = new AppConfig(c, 'b', { namespace: 'b', settings: { X: '1' }, secretStringData: { p: 'one' } }).hash;
      c2 = new AppConfig(c, 'c', { namespace: 'c', settings: { X: '2' }, secretStringData: { p: 'one' } }).hash;
      d = new AppConfig(c, 'd', { namespace: 'd', settings: { X: '1' }, secretStringData: { p: 'two' } }).hash;
    });
    expect(a).toBe(b);
    expect(new Set([a, c2, d]).size).toBe(3);
  });

  describe('secretMount', () => {
    const withConfig = (props: any, use: (cfg: AppConfig) => void) => synthIn((c) => use(new AppConfig(c, 'cfg', props)));

    test('defaults: every key, read-only, mode 0440, under /etc/secrets/<secret>', () => {
      withConfig({ secretName: 'db.creds', existingSecretKeys: ['user', 'password'] }, (cfg) => {
        const mount = cfg.secretMount();
        expect(mount.volume).toEqual({
          name: 'secret-db-creds',
          secret: { secretName: 'db.creds', defaultMode: 0o440, items: [{ key: 'password', path: 'password' }, { key: 'user', path: 'user' }] },
        });
        expect(mount.volumeMount).toEqual({ name: 'secret-db-creds', mountPath: '/etc/secrets/db.creds', readOnly: true });
        expect(mount.filePath('user')).toBe('/etc/secrets/db.creds/user');
      });
    });

    test('keys, mountPath, volumeName and mode are applied; only the chosen keys are mounted', () => {
      withConfig({ secretStringData: { password: 'x', token: 'y' } }, (cfg) => {
        const mount = cfg.secretMount({ keys: ['token'], mountPath: '/run/creds', volumeName: 'creds', mode: 0o400 });
        expect(mount.volume.secret).toEqual({ secretName: 'app-credentials', defaultMode: 0o400, items: [{ key: 'token', path: 'token' }] });
        expect(mount.volumeMount).toEqual({ name: 'creds', mountPath: '/run/creds', readOnly: true });
        expect(mount.filePath('token')).toBe('/run/creds/token');
        expect(() => mount.filePath('password')).toThrow(/secret file: "password"\. Not mounted; the mount has: token/);
      });
    });

    test('a long Secret name still gives a valid volume name', () => {
      withConfig({ secretName: `${'a'.repeat(60)}-b`, existingSecretKeys: ['k'] }, (cfg) => {
        expect(cfg.secretMount().volume.name).toBe(`secret-${'a'.repeat(56)}`);
      });
    });

    test.each([
      [{ keys: [] }, /secretMount\.keys: \[\]\. Must name at least one key/],
      [{ keys: ['nope'] }, /secret key: "nope"\. No such key; the Secret "app-credentials" has: password/],
      [{ mountPath: 'relative/dir' }, /secretMount\.mountPath: "relative\/dir"\. Must be an absolute directory path/],
      [{ mountPath: '/etc/../root' }, /secretMount\.mountPath: "\/etc\/\.\.\/root"\. Must be an absolute/],
      [{ mountPath: '/etc/secrets/' }, /secretMount\.mountPath: "\/etc\/secrets\/"\. Must be an absolute/],
      [{ mountPath: '' }, /secretMount\.mountPath: ""\. Must be an absolute/],
      [{ volumeName: 'Secret_Vol' }, /secretMount\.volumeName: "Secret_Vol"\. Must be a DNS-1123 label/],
      [{ mode: 0o1777 }, /secretMount\.mode: 1023\. Must be a file mode from 0 to 0o777/],
      [{ mode: '0440' }, /secretMount\.mode: "0440"\. Must be a file mode/],
    ])('rejects %j', (options, message) => {
      expect(() => withConfig({}, (cfg) => cfg.secretMount(options as any))).toThrow(message);
    });
  });

  test.each([
    [{ settings: { 'BAD KEY': 'x' } }, /settings key: "BAD KEY"\. Must be an environment variable name/],
    [{ settings: { PORT: 5432 } }, /settings\.PORT: 5432\. Must be a string/],
    [{ secretStringData: { password: '' } }, /secretStringData\.password: "<redacted>"\. Must be a non-empty string/],
    [{ secretStringData: { p: 'x' }, existingSecretKeys: ['p'] }, /existingSecretKeys: \["p"\]\. Conflicts with secretStringData/],
    [{ configMapName: 'My Config' }, /configMapName: "My Config"\. Must be a DNS-1123 subdomain/],
    [{ namespace: 'a.b' }, /namespace: "a\.b"\. Must be a DNS-1123 label/],
  ])('rejects %j', (props, message) => {
    expect(() => synthIn((c) => new AppConfig(c, 'cfg', props as any))).toThrow(message);
  });
});
