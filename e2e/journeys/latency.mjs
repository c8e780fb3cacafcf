// Benchmark (issue 27, target 3): how long after a write the console shows
// it, beside a `kubectl get -w` on the same object. On one member of a
// scaled fleet, a namespace is relabelled RELABELS times (merge patches
// straight to the member's API server) while the cluster page is open; for each write the page records (in a
// MutationObserver) when the new revision appears in the namespace's row,
// and the watch records when its event arrives. Prints percentiles of
// DOM − write, watch − write and DOM − watch. Figures, never assertions on
// time: the run fails only if a change never shows.
import { execFileSync, spawn } from 'node:child_process';
import { request } from 'node:https';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE_URL, account, expect, journey, signIn } from './lib/browser.mjs';

const KUBECTL = process.env.KUBECTL;
const KUBECONFIG = process.env.KUBECONFIG;
const RELABELS = Number(process.env.RELABELS || 30);
const NAMESPACE = 'latency-bench';
const KUBE_CACHE = mkdtempSync(join(tmpdir(), 'meshdeck-kube-cache-'));

let cluster;
const kubectlArgs = (...args) => ['--context', cluster, '--cache-dir', KUBE_CACHE, ...args];
const env = () => ({ ...process.env, KUBECONFIG });

function kubectl(...args) {
  return execFileSync(KUBECTL, kubectlArgs(...args), {
    env: env(), encoding: 'utf8', timeout: 30000, stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** The member's API server as the kubeconfig names it: URL, CA, token. */
function apiServer() {
  const config = JSON.parse(kubectl('config', 'view', '--raw', '--minify', '--output', 'json'));
  const server = config.clusters[0].cluster;
  return {
    url: new URL(server.server),
    ca: Buffer.from(server['certificate-authority-data'], 'base64'),
    token: config.users[0].user.token,
  };
}

/** Sets the namespace's revision label by a merge patch straight to the API
 *  server; resolves with the time its response arrived (kubectl's own start
 *  and exit would blur the figure). */
function relabel(api, value) {
  const body = JSON.stringify({ metadata: { labels: { 'istio.io/rev': value } } });
  return new Promise((resolve, reject) => {
    const req = request({
      host: api.url.hostname, port: api.url.port, ca: api.ca, method: 'PATCH',
      path: `/api/v1/namespaces/${NAMESPACE}`,
      headers: {
        authorization: `Bearer ${api.token}`,
        'content-type': 'application/merge-patch+json',
        'content-length': Buffer.byteLength(body),
      },
      timeout: 10000,
    }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200
        ? resolve(Date.now())
        : reject(new Error(`PATCH namespace ${NAMESPACE}: HTTP ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error('PATCH timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/** `kubectl get ns -w`, resolving `seen(value)` when a line shows the label. */
function watchNamespace() {
  const arrivals = new Map();
  const waiters = new Map();
  const child = spawn(KUBECTL, kubectlArgs('get', 'namespace', NAMESPACE, '--watch',
    '--output', 'jsonpath={.metadata.labels.istio\\.io/rev}{"\\n"}'), { env: env() });
  let buffer = '';
  child.stdout.on('data', (chunk) => {
    const at = Date.now();
    buffer += chunk;
    const lines = buffer.split('\n');
    buffer = lines.pop();
    for (const value of lines.map((l) => l.trim()).filter(Boolean)) {
      if (!arrivals.has(value)) arrivals.set(value, at);
      waiters.get(value)?.(at);
    }
  });
  return {
    seen: (value) => arrivals.has(value)
      ? Promise.resolve(arrivals.get(value))
      : new Promise((resolve) => waiters.set(value, resolve)),
    stop: () => child.kill(),
  };
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function report(name, values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  console.log(`  ${name.padEnd(18)} p50 ${percentile(sorted, 50).toFixed(1)} ms, p90 ${percentile(sorted, 90).toFixed(1)} ms, ` +
    `p99 ${percentile(sorted, 99).toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms, mean ${mean.toFixed(1)} ms`);
}

const steps = [
  ['sign in and pick the first member', async (page) => {
    expect(KUBECTL && KUBECONFIG, 'KUBECTL and KUBECONFIG must be set');
    await page.goto(BASE_URL + '/fleet');
    await signIn(page, account('operator'));
    await page.waitForFunction(() => document.querySelector('main h1')?.textContent?.trim() === 'Fleet');
    const fleet = await page.evaluate(async () => (await fetch('/api/fleet')).json());
    expect(Array.isArray(fleet.clusters), `the fleet: ${JSON.stringify(fleet).slice(0, 200)}`);
    const names = fleet.clusters.map((c) => c.member.name).sort();
    expect(names.length > 0, 'the fleet has members');
    cluster = names[0];
    console.log(`  fleet of ${names.length} members; relabelling on ${cluster}`);
    kubectl('create', 'namespace', NAMESPACE);
    kubectl('label', 'namespace', NAMESPACE, 'istio.io/rev=bench-0', '--overwrite');
  }],
  ['open the cluster page and wait for the namespace row', async (page) => {
    await page.goto(`${BASE_URL}/c/${cluster}`);
    await page.waitForFunction((ns) => document.querySelector(`tr[data-namespace="${ns}"] .ns-labels`)
      ?.textContent?.includes('bench-0'), NAMESPACE, { timeout: 60000 });
    // Record when each revision value first appears in the row.
    await page.evaluate((ns) => {
      window.__seen = {};
      const record = () => {
        const text = document.querySelector(`tr[data-namespace="${ns}"] .ns-labels`)?.textContent || '';
        const m = /bench-\d+/.exec(text);
        if (m && !(m[0] in window.__seen)) window.__seen[m[0]] = Date.now();
      };
      new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true });
    }, NAMESPACE);
  }],
  [`relabel ${RELABELS} times and time each change`, async (page) => {
    const api = apiServer();
    const watch = watchNamespace();
    await watch.seen('bench-0');
    const dom = [];
    const watchLag = [];
    const domMinusWatch = [];
    for (let i = 1; i <= RELABELS; i++) {
      const value = `bench-${i}`;
      const written = await relabel(api, value);
      const watched = await watch.seen(value);
      const shown = await page.waitForFunction((v) => window.__seen[v], value, { timeout: 20000, polling: 5 })
        .then((h) => h.jsonValue());
      dom.push(shown - written);
      watchLag.push(watched - written);
      domMinusWatch.push(shown - watched);
    }
    watch.stop();
    console.log(`  ${RELABELS} relabels of namespace ${NAMESPACE} on ${cluster}:`);
    report('DOM − write', dom);
    report('watch − write', watchLag);
    report('DOM − watch', domMinusWatch);
    kubectl('delete', 'namespace', NAMESPACE, '--wait=false');
  }],
];

await journey('latency', steps);
