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
