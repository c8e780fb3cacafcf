// Journey: a manager opens the live fleet, sees the six sandbox clusters in
// the topology (gke-us the config cluster, revision chips, a legend), opens
// gke-eu from the picture, then relabels namespace `blue` there with real
// kubectl and watches the namespace row change without a reload.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE_URL, account, expect, journey, screenshot, signIn } from './lib/browser.mjs';

const KUBECTL = process.env.KUBECTL;
const KUBECONFIG = process.env.KUBECONFIG;
// The migration target of the seeds: ASM 1.10.6-asm.2 as a revision.
const REVISION = 'asm-1106-2';
// A discovery cache of its own: sandbox ports are reused between runs.
const KUBE_CACHE = mkdtempSync(join(tmpdir(), 'meshdeck-kube-cache-'));

function kubectl(...args) {
  return execFileSync(KUBECTL, ['--context', 'gke-eu', '--cache-dir', KUBE_CACHE, ...args], {
    env: { ...process.env, KUBECONFIG },
    encoding: 'utf8',
    timeout: 30000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function headingIs(page, text) {
  await page.waitForFunction(
    (t) => document.querySelector('main h1')?.textContent?.trim() === t, text,
  ).catch(async () => {
    throw new Error(`heading is ${JSON.stringify(await page.locator('main h1').first().textContent())}, expected ${JSON.stringify(text)}`);
  });
}

// Requests the page has not had an answer to, for failure reports.
const pending = new Map();
const started = Date.now();
function track(page) {
  page.on('request', (r) => pending.set(r, Date.now()));
  const done = (r) => pending.delete(r);
  page.on('requestfinished', done);
  page.on('requestfailed', done);
}
function unanswered() {
  return [...pending].filter(([r]) => r.resourceType() !== 'eventsource')
    .map(([r, at]) => `${r.method()} ${new URL(r.url()).pathname} (since ${((at - started) / 1000).toFixed(1)} s)`);
}

/// Waits until `fn(arg)` holds in the page; fails with `what`, the last
/// value `describe(arg)` returned and any request still unanswered.
async function until(page, what, fn, arg, describe) {
  try {
    await page.waitForFunction(fn, arg, { timeout: 20000 });
  } catch {
    const seen = describe ? await page.evaluate(describe, arg) : '';
    const waiting = unanswered();
    const requests = waiting.length ? `; unanswered: ${waiting.join(', ')}` : '';
    throw new Error(`${what}; page shows ${JSON.stringify(seen)}${requests} (at ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
}

const card = (name) => `svg.topology g.cluster-card[data-cluster="${name}"]`;
const blueRow = 'tr[data-namespace="blue"]';

function rowState() {
  const row = document.querySelector('tr[data-namespace="blue"]');
  if (!row) return null;
  return {
    label: row.querySelector('.ns-labels')?.textContent?.trim(),
    injection: row.querySelector('.ns-labels')?.dataset.injection,
    pending: Number(row.querySelector('.ns-restart')?.dataset.pending),
    ready: row.querySelector('.ns-ready')?.textContent?.trim(),
    conflict: row.classList.contains('conflict'),
  };
}

let podTotal = 0;

const steps = [
  ['sign in as the manager and open the fleet', async (page) => {
    expect(KUBECTL && KUBECONFIG, 'KUBECTL and KUBECONFIG must be set');
    track(page);
    // Keep a hand on every event stream the app opens, to see it closed.
    await page.addInitScript(() => {
      const Native = window.EventSource;
      window.__eventSources = [];
      window.EventSource = class extends Native {
        constructor(...args) {
          super(...args);
          window.__eventSources.push(this);
        }
      };
    });
    await page.goto(BASE_URL + '/fleet');
    await signIn(page, account('manager'));
    await page.waitForURL('**/fleet');
    await headingIs(page, 'Fleet');
  }],
  ['the topology shows six clusters, all reachable, and the stream is live', async (page) => {
    await until(page, 'six cluster cards',
      () => document.querySelectorAll('svg.topology g.cluster-card').length === 6, null,
      () => [...document.querySelectorAll('svg.topology g.cluster-card')].map((g) => g.dataset.cluster));
    await until(page, 'every cluster reachable',
      () => document.querySelectorAll('svg.topology g.cluster-card[data-health="reachable"]').length === 6, null,
      () => [...document.querySelectorAll('svg.topology g.cluster-card')].map((g) => `${g.dataset.cluster}: ${g.dataset.health}`));
    const figures = await page.locator('.figures .figure').evaluateAll((els) =>
      Object.fromEntries(els.map((e) => [e.dataset.figure, e.querySelector('dd').textContent.trim()])));
    expect(figures.clusters === '6', `figures ${JSON.stringify(figures)}`);
    expect(figures.reachable.startsWith('6'), `figures ${JSON.stringify(figures)}`);
    expect(Number(figures.revisions) >= 1, `figures ${JSON.stringify(figures)}`);
    await page.locator('footer .fleet-link[data-link="live"]').waitFor();
    // Boxes by region and platform, titled.
    const groups = await page.locator('svg.topology g.topology-group').evaluateAll((els) => els.map((g) => ({
      title: g.querySelector('.group-title').textContent.trim(),
      platform: g.querySelector('.group-platform').textContent.trim(),
      clusters: [...g.querySelectorAll('g.cluster-card')].map((c) => c.dataset.cluster),
    })));
    const shown = JSON.stringify(groups);
    expect(groups.length === 5, `five region/platform boxes: ${shown}`);
    expect(groups.some((g) => g.title === 'asia-northeast1' && g.platform === 'GKE' && g.clusters.join() === 'gke-asia-1,gke-asia-2'), shown);
    expect(groups.some((g) => g.title === 'us-west1-onprem' && g.platform.startsWith('GKE on VMware')), shown);
  }],
  ['gke-us is marked as the config cluster, and only it', async (page) => {
    const configs = await page.locator('svg.topology g.cluster-card[data-config="true"]')
      .evaluateAll((els) => els.map((e) => e.dataset.cluster));
    expect(JSON.stringify(configs) === '["gke-us"]', `config clusters ${JSON.stringify(configs)}`);
    const text = await page.locator(card('gke-us')).textContent();
    expect(text.includes('config cluster'), `gke-us card says ${JSON.stringify(text)}`);
  }],
  ['clusters carry revision chips coloured as in the legend', async (page) => {
    const chips = await page.locator(`${card('gke-eu')} g.rev-chip`).evaluateAll((els) =>
      els.map((e) => ({ revision: e.dataset.revision, colour: getComputedStyle(e.querySelector('rect')).fill })));
    expect(chips.some((c) => c.revision === 'default'), `gke-eu chips ${JSON.stringify(chips)}`);
    const legend = await page.locator('.legend-revisions li').evaluateAll((els) =>
      els.map((e) => ({ revision: e.dataset.revision, colour: getComputedStyle(e.querySelector('.swatch')).backgroundColor })));
    for (const chip of chips) {
      const entry = legend.find((l) => l.revision === chip.revision);
      expect(entry && entry.colour === chip.colour, `chip ${JSON.stringify(chip)} vs legend ${JSON.stringify(legend)}`);
    }
    // The same revision has the same colour on every card.
    const all = await page.locator('svg.topology g.rev-chip').evaluateAll((els) =>
      els.map((e) => [e.dataset.revision, getComputedStyle(e.querySelector('rect')).fill]));
    const byRevision = new Map();
    for (const [rev, fill] of all) {
      expect(!byRevision.has(rev) || byRevision.get(rev) === fill, `revision ${rev} drawn in two colours`);
      byRevision.set(rev, fill);
    }
    await screenshot(page, 'fleet');
  }],
  ['at 800px the picture reflows instead of overflowing', async (page) => {
    await page.setViewportSize({ width: 800, height: 900 });
    await until(page, 'the picture fits the page',
      () => document.querySelector('svg.topology').getBoundingClientRect().right <= window.innerWidth, null,
      () => document.querySelector('svg.topology').getBoundingClientRect().width);
    await screenshot(page, 'fleet-800');
    await page.setViewportSize({ width: 1280, height: 800 });
  }],
  ['selecting gke-eu in the picture opens its page in the app', async (page) => {
    await page.evaluate(() => { window.__fleetJourney = 'same page'; });
    const link = page.getByRole('link', { name: 'gke-eu', exact: true });
    await link.click();
    await page.waitForURL('**/c/gke-eu');
    await headingIs(page, 'Cluster gke-eu');
    expect(await page.evaluate(() => window.__fleetJourney) === 'same page', 'the click reloaded the page');
  }],
  ['the cluster page shows nodes, capacity, revisions and namespaces', async (page) => {
    await page.locator('table.nodes tbody tr').first().waitFor();
    const nodes = await page.locator('table.nodes tbody tr').count();
    expect(nodes === 4, `${nodes} nodes`);
    const capacity = await page.locator('.capacity').textContent();
    expect(capacity.includes('16 vCPU') && capacity.includes('64 GiB'), `capacity ${JSON.stringify(capacity)}`);
    await page.locator('table.control-planes tr[data-revision="default"]').waitFor();
    await page.locator(blueRow).waitFor();
    const state = await page.evaluate(rowState);
    expect(state.label === 'istio-injection=enabled' && state.pending === 0, `blue ${JSON.stringify(state)}`);
    podTotal = Number(state.ready.split('/')[1]);
    expect(podTotal > 0, `blue has pods: ${JSON.stringify(state)}`);
    await screenshot(page, 'cluster-gke-eu');
  }],
  ['relabelling blue with kubectl shows on the page without a reload', async (page) => {
    await page.evaluate(() => { window.__fleetJourney = 'before relabel'; });
    kubectl('label', 'namespace', 'blue', 'istio-injection-', `istio.io/rev=${REVISION}`, '--overwrite');
    await until(page, `blue labelled istio.io/rev=${REVISION} with every pod pending a restart`,
      ({ revision, total }) => {
        const row = document.querySelector('tr[data-namespace="blue"]');
        return row?.querySelector('.ns-labels')?.textContent?.trim() === `istio.io/rev=${revision}`
          && Number(row.querySelector('.ns-restart')?.dataset.pending) === total;
      },
      { revision: REVISION, total: podTotal }, rowState);
    const state = await page.evaluate(rowState);
    expect(state.injection === 'revision' && !state.conflict, `blue ${JSON.stringify(state)}`);
    expect(await page.evaluate(() => window.__fleetJourney) === 'before relabel', 'the page was reloaded');
    await screenshot(page, 'cluster-gke-eu-relabelled');
  }],
  ['both labels at once show as a conflict warning', async (page) => {
    kubectl('label', 'namespace', 'blue', 'istio-injection=enabled');
    await until(page, 'blue shown as a label conflict',
      () => document.querySelector('tr[data-namespace="blue"]')?.classList.contains('conflict'), null, rowState);
    const warning = await page.locator(`${blueRow} .warning`).textContent();
    expect(warning.includes('conflict'), `row says ${JSON.stringify(warning)}`);
    await page.locator('.warning-notice', { hasText: 'blue' }).waitFor();
    expect(await page.evaluate(() => window.__fleetJourney) === 'before relabel', 'the page was reloaded');
    await screenshot(page, 'cluster-gke-eu-conflict');
    kubectl('label', 'namespace', 'blue', 'istio-injection-');
    await until(page, 'the conflict cleared',
      () => !document.querySelector('tr[data-namespace="blue"]')?.classList.contains('conflict'), null, rowState);
  }],
  ['the namespace filter and the pod list', async (page) => {
    await page.getByLabel('Filter by name').fill('blu');
    await until(page, 'only blue left',
      () => [...document.querySelectorAll('table.namespaces tbody tr[data-namespace]')].map((r) => r.dataset.namespace).join() === 'blue',
      null, () => [...document.querySelectorAll('table.namespaces tbody tr[data-namespace]')].map((r) => r.dataset.namespace));
    await page.getByRole('button', { name: 'Pods of blue' }).click();
    await page.locator('.pod-list table.pods tbody tr').first().waitFor();
    const pods = await page.locator('.pod-list table.pods tbody tr').count();
    expect(pods === podTotal, `${pods} pods listed, ${podTotal} counted`);
    await page.getByLabel('Filter by name').fill('');
    await page.setViewportSize({ width: 800, height: 900 });
    const overflow = await page.evaluate(() => document.scrollingElement.scrollWidth - window.innerWidth);
    await screenshot(page, 'cluster-gke-eu-800');
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(overflow <= 0, `the cluster page is ${overflow}px wider than an 800px window`);
  }],
  ['the fleet figures count the pending namespace', async (page) => {
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Fleet', exact: true }).click();
    await headingIs(page, 'Fleet');
    await until(page, 'one namespace with a restart pending',
      () => Number(document.querySelector('[data-figure="restart-pending"] dd')?.textContent) >= 1, null,
      () => document.querySelector('[data-figure="restart-pending"]')?.textContent);
    expect(await page.evaluate(() => window.__fleetJourney) === 'before relabel', 'the page was reloaded');
  }],
  ['a reload notice or a missed delta fetches the snapshot again', async (page) => {
    let snapshots = 0;
    const count = (request) => { if (new URL(request.url()).pathname === '/api/fleet') snapshots += 1; };
    page.on('request', count);
    const notices = {
      reload: 'event: reload\ndata: {"reason":"too far behind","version":0}\n\n',
      // A delta far ahead of the snapshot: the ones between were missed.
      gap: 'event: delta\nid: 999999\ndata: {"version":999999,"cluster":"gke-eu","change":{"kind":"namespace_removed","value":"blue"}}\n\n',
    };
    for (const [what, body] of Object.entries(notices)) {
      snapshots = 0;
      await page.route('**/api/events*', (route) => route.fulfill({
        status: 200, headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }, body,
      }), { times: 1 });
      await page.reload();
      await headingIs(page, 'Fleet');
      await until(page, `after the ${what}, the snapshot fetched again and the real stream live`,
        () => document.querySelector('footer .fleet-link')?.dataset.link === 'live'
          && window.__eventSources.length >= 2, null,
        () => [document.querySelector('footer .fleet-link')?.dataset.link, window.__eventSources.length]);
      // Playwright reports requests asynchronously: the page can be live
      // before the second fetch's event reaches this side.
      for (const deadline = Date.now() + 10000; snapshots < 2 && Date.now() < deadline;) {
        await page.waitForTimeout(50);
      }
      expect(snapshots >= 2, `${what}: ${snapshots} snapshot fetches`);
      await page.locator(card('gke-eu')).waitFor();
    }
    page.off('request', count);
  }],
  ['signing out closes the event stream', async (page) => {
    const open = () => window.__eventSources.filter((es) => es.readyState !== EventSource.CLOSED).length;
    expect(await page.evaluate(open) === 1, `open streams while signed in: ${await page.evaluate(open)}`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await headingIs(page, 'Sign in');
    await until(page, 'no stream left open',
      () => window.__eventSources.every((es) => es.readyState === EventSource.CLOSED), null, open);
    expect(await page.locator('footer .fleet-link').count() === 0, 'the status bar still shows the fleet link');
    await signIn(page, account('manager'));
    await headingIs(page, 'Fleet');
    await page.locator('footer .fleet-link[data-link="live"]').waitFor();
    expect(await page.evaluate(open) === 1, 'one stream again after signing back in');
  }],
  ['unreachable and misconfigured members are drawn so, with the reason', async (page) => {
    // The backend's own tests take a member down; here the browser is given
    // a snapshot saying so, to check how the console draws it.
    const why = 'dial tcp 127.0.0.1:1: connect: connection refused';
    await page.route('**/api/fleet', async (route) => {
      const response = await route.fetch();
      const fleet = await response.json();
      for (const c of fleet.clusters) {
        if (c.member.name === 'gke-asia-2') c.reachability = { state: 'unreachable', since: 1700000000, error: why };
        if (c.member.name === 'baremetal-1') c.reachability = { state: 'misconfigured', error: 'context baremetal-1 is not in the kubeconfig' };
        if (c.member.name === 'gke-us') {
          for (const revision of ['asm-1106-2', 'asm-1112-0', 'asm-1125-1', 'asm-1200-3']) {
            c.control_planes.push({ revision, replicas: 1, ready_replicas: 0, webhook: true });
          }
        }
      }
      await route.fulfill({ response, json: fleet });
    });
    await page.goto(BASE_URL + '/fleet');
    await page.locator(`${card('gke-asia-2')}[data-health="unreachable"]`).waitFor();
    const asia = await page.locator(card('gke-asia-2')).textContent();
    expect(asia.includes('Unreachable') && asia.includes('dial tcp'), `gke-asia-2 card says ${JSON.stringify(asia)}`);
    const tooltip = await page.locator(`${card('gke-asia-2')} title`).textContent();
    expect(tooltip.includes(why), `tooltip ${JSON.stringify(tooltip)}`);
    const bm = await page.locator(card('baremetal-1')).textContent();
    expect(bm.includes('Misconfigured') && bm.includes('not in the kubeconfig'), `baremetal-1 card says ${JSON.stringify(bm)}`);
    const reachable = await page.locator('[data-figure="reachable"] dd').textContent();
    expect(reachable.startsWith('4'), `reachable figure ${JSON.stringify(reachable)}`);
    // Five revisions on gke-us: the chips that do not fit are counted.
    const more = await page.locator(`${card('gke-us')} g.rev-chip.rev-more`).textContent();
    expect(/^\+\d+$/.test(more.trim()), `gke-us overflow chip ${JSON.stringify(more)}`);
    await screenshot(page, 'fleet-unreachable');
    await page.getByRole('link', { name: 'gke-asia-2', exact: true }).click();
    await headingIs(page, 'Cluster gke-asia-2');
    const notice = await page.locator('.reachability-notice').textContent();
    expect(notice.includes('Unreachable since') && notice.includes(why), `notice ${JSON.stringify(notice)}`);
    await screenshot(page, 'cluster-unreachable');
    await page.unroute('**/api/fleet');
  }],
  ['an unknown cluster is reported by name', async (page) => {
    await page.goto(BASE_URL + '/c/no-such-cluster');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const text = await alert.textContent();
    expect(text.includes('no-such-cluster') && text.includes('Not found'), `error says ${JSON.stringify(text)}`);
  }],
];

await journey('fleet', steps);
