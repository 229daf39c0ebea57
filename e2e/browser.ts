/**
 * A real browser for the e2e suite: headless Chromium driven over the DevTools protocol on
 * a pipe (--remote-debugging-pipe: JSON messages separated by NUL on fds 3 and 4), so no
 * port is opened and no extra package is needed.
 *
 * Chromium never resolves a name: --host-resolver-rules maps the one host to 127.0.0.1 and
 * every other name to NOTFOUND; background networking, component updates and sync are off;
 * each run gets a new profile directory, deleted afterwards. The server certificate is
 * trusted by its public key hash only (--ignore-certificate-errors-spki-list), not by
 * switching certificate checks off.
 */
import { spawn, spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeFile } from '../scripts/safe-write';

export interface BrowseOptions {
  readonly chromium: string;
  /** Page to open, e.g. https://guestbook.example.com/ */
  readonly url: string;
  /** Its host name, mapped to the ingress address. */
  readonly host: string;
  /** host:port of the ingress controller (127.0.0.0/8). */
  readonly ingress: string;
  readonly caFile: string;
  /** The server certificate whose public key Chromium trusts. */
  readonly certFile: string;
  /** Screenshots go here. */
  readonly outDir: string;
  readonly name: string;
  readonly message: string;
  /** Seconds for the whole session. @default 90 */
  readonly timeoutSeconds?: number;
}

/** base64(SHA-256(SubjectPublicKeyInfo)) of a PEM certificate, as Chromium's SPKI list wants it. */
function spkiHash(certFile: string): string {
  const pub = spawnSync('openssl', ['x509', '-in', certFile, '-noout', '-pubkey'], { encoding: 'utf8' });
  if (pub.status !== 0) throw new Error(`openssl x509 -pubkey: ${pub.stderr}`);
  const der = spawnSync('openssl', ['pkey', '-pubin', '-outform', 'der'], { input: pub.stdout });
  if (der.status !== 0) throw new Error(`openssl pkey: ${der.stderr}`);
  return createHash('sha256').update(der.stdout).digest('base64');
}

export async function browseGuestbook(o: BrowseOptions): Promise<{ screenshot: string; afterReload: string }> {
  const [ip] = o.ingress.split(':');
  if (!/^127\./.test(ip)) throw new Error(`the ingress address must be on 127.0.0.0/8, got ${ip}`);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'refarch-chromium-'));
  const args = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--no-default-browser-check', '--disable-default-apps', '--disable-extensions',
    '--disable-features=MediaRouter,OptimizationHints,Translate,DialMediaRouteProvider', '--metrics-recording-only',
    `--user-data-dir=${profile}`, '--remote-debugging-pipe', '--window-size=1000,800',
    // the URL carries the port; only the name is mapped (and every other name fails)
    `--host-resolver-rules=MAP ${o.host} ${ip},MAP * ~NOTFOUND`,
    `--ignore-certificate-errors-spki-list=${spkiHash(o.certFile)}`,
    'about:blank',
  ];
  const proc = spawn(o.chromium, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
  const toBrowser = proc.stdio[3] as NodeJS.WritableStream;
  const fromBrowser = proc.stdio[4] as NodeJS.ReadableStream;
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  const killer = setTimeout(() => proc.kill('SIGKILL'), (o.timeoutSeconds ?? 90) * 1000);

  let nextId = 1;
  const pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  const listeners: Array<(msg: any) => void> = [];
  let buf = '';
  fromBrowser.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    let i;
    while ((i = buf.indexOf('\0')) >= 0) {
      const msg = JSON.parse(buf.slice(0, i));
      buf = buf.slice(i + 1);
      if (msg.id && pending.has(msg.id)) {
        const p = pending.get(msg.id)!;
        pending.delete(msg.id);
        if (msg.error) p.reject(new Error(`${msg.error.message} (${JSON.stringify(msg.error.data ?? '')})`));
        else p.resolve(msg.result);
      } else {
        for (const l of listeners) l(msg);
      }
    }
  });
  const send = (method: string, params: object = {}, sessionId?: string): Promise<any> => new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    toBrowser.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + '\0');
  });
  const event = (method: string, sessionId: string, timeoutSeconds = 30): Promise<any> => new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${method} within ${timeoutSeconds}s`)), timeoutSeconds * 1000);
    const l = (msg: any) => {
      if (msg.method === method && msg.sessionId === sessionId) {
        clearTimeout(t);
        listeners.splice(listeners.indexOf(l), 1);
        resolve(msg.params);
      }
    };
    listeners.push(l);
  });

  try {
    const { targetInfos } = await send('Target.getTargets');
    const page = targetInfos.find((t: any) => t.type === 'page');
    if (!page) throw new Error('Chromium opened no page');
    const { sessionId } = await send('Target.attachToTarget', { targetId: page.targetId, flatten: true });
    await send('Page.enable', {}, sessionId);
    const text = async () => (await send('Runtime.evaluate', { expression: 'document.body ? document.body.innerText : ""', returnByValue: true }, sessionId)).result.value as string;
    const shot = async (file: string) => {
      const { data } = await send('Page.captureScreenshot', { format: 'png' }, sessionId);
      const f = path.join(o.outDir, file);
      writeFile(f, Buffer.from(data, 'base64'), { createFolders: true });
      return f;
    };

    let loaded = event('Page.loadEventFired', sessionId);
    const nav = await send('Page.navigate', { url: o.url }, sessionId);
    if (nav.errorText) throw new Error(`navigating to ${o.url}: ${nav.errorText}`);
    await loaded;
    const first = await text();
    if (!first.includes('Sign the guestbook') && !/guestbook/i.test(first)) throw new Error(`the page does not look like the guestbook: ${first.slice(0, 200)}`);
    await shot('guestbook-before.png');

    // Fill the form and press its button: the browser posts it (form-action 'self') and
    // follows the 303 back to the page.
    loaded = event('Page.loadEventFired', sessionId);
    const filled = await send('Runtime.evaluate', {
      returnByValue: true,
      expression: `(() => { const f = document.querySelector('form'); if (!f) return 'no form';
        f.querySelector('[name=name]').value = ${JSON.stringify(o.name)};
        f.querySelector('[name=message]').value = ${JSON.stringify(o.message)};
        f.querySelector('button[type=submit]').click(); return 'submitted'; })()`,
    }, sessionId);
    if (filled.result.value !== 'submitted') throw new Error(`form: ${filled.result.value}`);
    await loaded;

    loaded = event('Page.loadEventFired', sessionId);
    await send('Page.reload', { ignoreCache: true }, sessionId);
    await loaded;
    const after = await text();
    if (!after.includes(o.message)) throw new Error(`the new entry is not listed after a reload: ${after.slice(0, 400)}`);
    const screenshot = await shot('guestbook.png');
    return { screenshot, afterReload: after };
  } catch (err) {
    throw new Error(`${(err as Error).message}${stderr ? `\nchromium stderr (tail): ${stderr.slice(-800)}` : ''}`);
  } finally {
    clearTimeout(killer);
    await Promise.race([send('Browser.close').catch(() => undefined), new Promise((r) => setTimeout(r, 3000))]);
    await new Promise<void>((resolve) => { if (proc.exitCode !== null) resolve(); else { proc.once('exit', () => resolve()); setTimeout(() => { proc.kill('SIGKILL'); resolve(); }, 5000); } });
    fs.rmSync(profile, { recursive: true, force: true });
  }
}
