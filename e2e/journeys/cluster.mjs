// Journey (issue 24): gke-eu's cluster tabs show that cluster's real data
// on the default sandbox fleet, each checked against the API the console
// itself answers. Mesh: its control plane revisions and every namespace
// with its migration state, its runs, its gateway; a revision appearing
// on the cluster (made with real kubectl) shows up live and leaves the
// colour of the revisions already there unchanged, also after a reload.
// A migration run started through the API lists its start and end times
// and opens from its link (/mesh?run=<id>) with its steps.
// Security: its trust row (or "unknown" with the reason) and its signing
// requests. Workloads: a migration the journey deploys through the API,
// with its state. A manager reads the same tabs, read-only.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE_URL, account, expect, journey, screenshot, signIn } from './lib/browser.mjs';

const KUBECTL = process.env.KUBECTL;
const KUBECONFIG = process.env.KUBECONFIG;
const WORK = mkdtempSync(join(tmpdir(), 'meshdeck-cluster-'));
const CLUSTER = 'gke-eu';
const NEW_REVISION = 'asm-1112-0';
const MIGRATION = 'tab-journey';
const SPEC = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: hello
  labels: {app: hello}
spec:
  replicas: 1
  selector:
    matchLabels: {app: hello}
  template:
    metadata:
      labels: {app: hello}
    spec:
      containers:
      - name: hello
        image: gcr.io/google-samples/hello-app:1.0
`;

function kubectl(input, ...args) {
  return execFileSync(KUBECTL, ['--context', CLUSTER, '--cache-dir', join(WORK, 'cache'), ...args], {
    env: { ...process.env, KUBECONFIG },
    encoding: 'utf8',
    timeout: 30000,
    input,
  });
}

/// A call as the signed-in page makes it (CSRF token included).
async function api(page, method, path, body) {
  return page.evaluate(async ({ method, path, body }) => {
    const session = await (await fetch('/api/session')).json();
    const response = await fetch(path, {
      method,
      headers: { 'content-type': 'application/json', 'x-csrf-token': session ? session.csrf_token : '' },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: response.status, body: await response.json().catch(() => null) };
  }, { method, path, body });
}

async function get(page, path) {
  const { status, body } = await api(page, 'GET', path);
  expect(status === 200, `GET ${path}: ${status}`);
  return body;
}

async function until(page, what, fn, arg) {
  try {
    await page.waitForFunction(fn, arg, { timeout: 20000 });
  } catch {
    const seen = await page.evaluate(() => document.querySelector('main')?.innerText?.slice(0, 1500));
    throw new Error(`${what}; page shows ${JSON.stringify(seen)}`);
  }
}

async function openTab(page, title, slug) {
  await page.locator('nav.tabs').getByRole('link', { name: title, exact: true }).click();
  await page.waitForURL(`**/c/${CLUSTER}/${slug}`);
  await page.locator('main h1', { hasText: `${title} on ${CLUSTER}` }).waitFor();
}

const CHIP = 'table.control-planes tr[data-revision="REV"] .rev-chip';

/// The background colour of `revision`'s chip in the control planes table.
async function chipColour(page, revision) {
  return page.evaluate((sel) => {
    const chip = document.querySelector(sel);
    return chip ? getComputedStyle(chip).backgroundColor : null;
  }, CHIP.replace('REV', revision));
}
let defaultColour = null;

const steps = [
  ['the operator opens gke-eu → Mesh: the revisions and namespaces the fleet has', async (page) => {
    await page.goto(`${BASE_URL}/c/${CLUSTER}/mesh`);
    await signIn(page, account('operator'));
    await page.locator('main h1', { hasText: `Mesh on ${CLUSTER}` }).waitFor();
    const fleet = await get(page, '/api/fleet');
    const gke = fleet.clusters.find((c) => c.member.name === CLUSTER);
    const revisions = gke.control_planes.map((cp) => cp.revision).sort();
    expect(revisions.includes('default'), `the sandbox's gke-eu runs default: ${revisions}`);
    await until(page, `revisions ${revisions}`, (want) => {
      const rows = [...document.querySelectorAll('table.control-planes tr[data-revision]')].map((r) => r.dataset.revision).sort();
      return JSON.stringify(rows) === JSON.stringify(want);
    }, revisions);
    const namespaces = gke.namespaces.map((n) => n.name);
    const shown = await page.locator('table.namespace-standings tr[data-namespace]').evaluateAll((rows) => rows.map((r) => r.dataset.namespace));
    expect(JSON.stringify(shown) === JSON.stringify(namespaces), `namespaces ${JSON.stringify(shown)} vs ${JSON.stringify(namespaces)}`);
    for (const ns of gke.namespaces) {
      const injected = ns.rev_label ? !ns.injection_label : ns.injection_label === 'enabled';
      const cell = page.locator(`table.namespace-standings tr[data-namespace="${ns.name}"] td.standing`);
      const text = await cell.textContent();
      if (injected) {
        // Pass or fail by symbol and word, not colour alone.
        expect(await cell.locator('.status[data-tone]').count() === 1, `${ns.name}: ${text}`);
      } else {
        expect(text.includes('not injected'), `${ns.name}: ${text}`);
      }
    }
    const blue = await page.locator('table.namespace-standings tr[data-namespace="blue"]').textContent();
    expect(blue.includes('every pod on default') || blue.includes('restart pending'), `blue: ${blue}`);
    defaultColour = await chipColour(page, 'default');
    expect(defaultColour, 'default has a colour');
  }],
  ['its runs, gateway and the Mesh actions for the operator', async (page) => {
    const installs = await get(page, '/api/mesh/installs');
    const migrations = await get(page, '/api/mesh/migrations');
    const mine = [...installs, ...migrations].filter((r) => r.cluster === CLUSTER);
    if (mine.length === 0) {
      const empty = await page.locator('.runs-empty').textContent();
      expect(empty === `No install or migration runs on ${CLUSTER} yet.`, empty);
    } else {
      expect(await page.locator('table.install-runs tr[data-run]').count() === mine.length, 'one row per run');
    }
    const gateway = await get(page, `/api/clusters/${CLUSTER}/ingress-gateway?format=json`);
    const facts = await page.locator(`.gateway-facts[data-cluster="${CLUSTER}"]`).textContent();
    expect(facts.includes(gateway.service_type), `gateway ${facts} vs ${gateway.service_type}`);
    for (const address of gateway.external) expect(facts.includes(address), `gateway ${facts} lacks ${address}`);
    await page.locator('.section-links li[data-action="mesh.install"] a[href="/mesh#wizard-heading"]').waitFor();
    await page.locator('.section-links li[data-action="mesh.migrate"] a[href="/mesh#migration-heading"]').waitFor();
    await screenshot(page, 'cluster-mesh');
  }],
  [`${NEW_REVISION} appears on gke-eu: it shows live and default keeps its colour`, async (page) => {
    kubectl(JSON.stringify({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: `istio-sidecar-injector-${NEW_REVISION}`, labels: { 'istio.io/rev': NEW_REVISION, app: 'sidecar-injector' } },
      webhooks: [],
    }), 'create', '-f', '-');
    await page.locator(CHIP.replace('REV', NEW_REVISION)).waitFor();
    const after = await chipColour(page, 'default');
    expect(after === defaultColour, `default was ${defaultColour}, is ${after} once ${NEW_REVISION} appeared`);
    await page.reload();
    await page.locator(CHIP.replace('REV', NEW_REVISION)).waitFor();
    const reloaded = await chipColour(page, 'default');
    expect(reloaded === defaultColour, `default was ${defaultColour}, is ${reloaded} after a reload`);
  }],
  ['a migration run started through the API shows with its times and opens from its link', async (page) => {
    kubectl(undefined, 'create', 'namespace', 'tabs-mesh');
    await until(page, 'tabs-mesh listed live', () => !!document.querySelector('table.namespace-standings tr[data-namespace="tabs-mesh"]'));
    const started = await api(page, 'POST', '/api/mesh/migrations/migrate', { cluster: CLUSTER, namespace: 'tabs-mesh', revision: NEW_REVISION });
    expect(started.status === 202, `migrate: ${started.status} ${JSON.stringify(started.body)}`);
    const id = started.body.id;
    let run = started.body;
    for (let i = 0; i < 120 && run.phase === 'running'; i += 1) {
      await page.waitForTimeout(250);
      run = await get(page, `/api/mesh/migrations/${id}`);
    }
    expect(run.phase !== 'running' && Number.isInteger(run.ended), `the run ended with its time: ${JSON.stringify(run)}`);
    await page.reload();
    const row = page.locator(`table.install-runs tr[data-run="${id}"]`);
    await row.waitFor();
    expect((await row.getAttribute('data-phase')) === run.phase, 'the row has the run\'s phase');
    const ended = await row.locator('td.run-ended').textContent();
    expect(/ UTC \(took \d+ (s|min)/.test(ended), `end time and duration: ${ended}`);
    expect((await row.locator('td.run-started').textContent()).endsWith(' UTC'), 'start time');
    const link = page.locator('table.namespace-standings tr[data-namespace="tabs-mesh"] td.last-run a');
    expect((await link.getAttribute('href')) === `/mesh?run=${id}`, `the namespace links its run: ${await link.getAttribute('href')}`);
    await link.click();
    await page.waitForURL(`**/mesh?run=${id}`);
    const detail = page.locator(`.run-detail[data-run="${id}"]`);
    await detail.locator('ol.install-steps li').first().waitFor();
    expect(await detail.locator('ol.install-steps li').count() === run.steps.length, 'every step of the opened run');
    const summary = await detail.locator('.run-summary').textContent();
    expect(summary.includes('operator') && summary.includes('took'), `opened run: ${summary}`);
    await screenshot(page, 'mesh-run-opened');
    await page.goto(`${BASE_URL}/c/${CLUSTER}/mesh`);
    await page.locator('main h1', { hasText: `Mesh on ${CLUSTER}` }).waitFor();
  }],
  ['Security: gke-eu\'s trust row as /api/trust has it, unknowns with their reason', async (page) => {
    await openTab(page, 'Security', 'security');
    const trust = await get(page, '/api/trust');
    const row = trust.clusters.find((c) => c.cluster === CLUSTER);
    if (!row) {
      const missing = await page.locator('.trust-missing').textContent();
      expect(missing.includes(CLUSTER), missing);
    } else {
      const facts = page.locator(`.trust-facts[data-cluster="${CLUSTER}"]`);
      await facts.waitFor();
      for (const [part, known] of [['ca-mode', row.ca_mode], ['root', row.root_fingerprint], ['intermediate', row.intermediate_subject]]) {
        const cell = facts.locator(`dd.${part}`);
        if (known) {
          expect(await cell.locator('.unknown').count() === 0, `${part} is known: ${await cell.textContent()}`);
        } else {
          const reason = (await cell.locator('.unknown-reason').textContent()).replace(/^\s*—\s*/, '');
          expect(reason.trim().length > 10, `${part} unknown without a reason: ${await cell.textContent()}`);
        }
      }
      if (row.root_fingerprint) {
        expect((await facts.locator('dd.root code.fingerprint').textContent()) === row.root_fingerprint, 'the root fingerprint');
      }
    }
  }],
  ['Security: its pending and decided signing requests as the API lists them', async (page) => {
    const inbox = await get(page, '/api/csrs');
    const pending = inbox.items.filter((i) => i.cluster === CLUSTER);
    if (pending.length === 0) {
      const empty = await page.locator('.csrs-empty').textContent();
      expect(empty === `No signing requests pending on ${CLUSTER}.`, empty);
    } else {
      await until(page, 'one row per pending request', (n) => document.querySelectorAll('table.cluster-csrs tr[data-csr]').length === n, pending.length);
    }
    const decided = await get(page, `/api/audit?action=csr.&cluster=${CLUSTER}&changes=1`);
    if (decided.total === 0) {
      const empty = await page.locator('.decisions-empty').textContent();
      expect(empty.includes(CLUSTER), empty);
    } else {
      await page.locator('table.cluster-csr-decisions tr[data-seq]').first().waitFor();
    }
    await page.locator('.section-links, .read-only').first().waitFor();
    await screenshot(page, 'cluster-security');
  }],
  ['Workloads: a migration deployed to gke-eu through the API, with its state', async (page) => {
    await openTab(page, 'Workloads', 'workloads');
    const before = (await get(page, '/api/workloads/migrations')).filter((m) => m.migration.cluster === CLUSTER);
    if (before.length === 0) {
      const empty = await page.locator('.migrations-empty').textContent();
      expect(empty === `No workload migrations deployed to ${CLUSTER} yet.`, empty);
    }
    kubectl(undefined, 'create', 'namespace', 'tabs-apps');
    const deployed = await api(page, 'POST', '/api/workloads/migrations', {
      name: MIGRATION, cluster: CLUSTER, namespace: 'tabs-apps', spec: SPEC,
    });
    expect(deployed.status === 201 || deployed.status === 200, `deploy: ${deployed.status} ${JSON.stringify(deployed.body)}`);
    await page.reload();
    const row = page.locator(`table.cluster-migrations tr[data-migration="${MIGRATION}"]`);
    await row.waitFor();
    const listed = (await get(page, '/api/workloads/migrations')).find((m) => m.migration.name === MIGRATION);
    const text = await row.textContent();
    expect(text.includes('tabs-apps'), text);
    expect(await row.locator('.status[data-tone]').count() === 1, `state as a badge: ${text}`);
    expect(['available', 'progressing', 'failed', 'missing'].some((s) => text.includes(s)), text);
    expect(listed, 'the API lists it');
    await screenshot(page, 'cluster-workloads');
  }],
  ['a manager reads the tabs, read-only', async (page) => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Password').waitFor();
    await page.goto(`${BASE_URL}/c/${CLUSTER}/mesh`);
    await signIn(page, account('manager'));
    await page.locator('main h1', { hasText: `Mesh on ${CLUSTER}` }).waitFor();
    const tabs = await page.locator('nav.tabs a').allTextContents();
    expect(['Mesh', 'Security', 'Workloads'].every((t) => tabs.includes(t)), `tabs ${tabs}`);
    const note = await page.locator('.read-only').textContent();
    expect(note.includes('Read-only for the Manager role'), note);
    expect(await page.locator('.section-links').count() === 0, 'no actions offered to a manager');
    await page.locator(CHIP.replace('REV', 'default')).waitFor();
    await openTab(page, 'Workloads', 'workloads');
    await page.locator(`table.cluster-migrations tr[data-migration="${MIGRATION}"]`).waitFor();
  }],
];

await journey('cluster', steps);
