// Journey: seed 000 on one cluster. An operator installs asm-178-10
// (1.7.8-asm.10) on gke-eu beside open-source istiod through the wizard,
// then on the migration board: migrates blue and verifies it (no
// stragglers), migrates green and rolls it back (a confirmation saying it
// deletes nothing; cancelling changes nothing), sees finish disabled while
// green still uses istiod (the reason names green), migrates green again,
// finishes after a confirmation listing the preview's objects (cancelling
// changes nothing; the run's steps are exactly those objects), and sees the
// old control plane gone from the board and the revisions. A manager then
// reads the board without its actions, and the activity log links the
// install and a migration to their runs.
import { BASE_URL, account, expect, grantIssuance, journey, screenshot, signIn } from './lib/browser.mjs';

const CLUSTER = 'gke-eu';
const VERSION = '1.7.8-asm.10';
const REVISION = 'asm-178-10';
const REASON = 'blue/bar keeps its port name until the app team renames it next sprint';
const RUN_TIMEOUT = 120000;

const wizard = '[data-testid="install-wizard"]';
const board = '[data-testid="migration-board"]';
const panel = '[data-testid="namespace-panel"]';
const cell = (ns) => `${board} td.board-cell[data-cluster="${CLUSTER}"][data-namespace="${ns}"]`;
const revisionRow = (cluster, revision) => `table.mesh-revisions tr[data-cluster="${cluster}"][data-revision="${revision}"]`;
const finishRow = `[data-testid="finish-panel"] li.finish-cluster[data-cluster="${CLUSTER}"]`;

async function cellIs(page, ns, state, timeout = RUN_TIMEOUT) {
  await page.locator(`${cell(ns)}[data-state="${state}"]`).waitFor({ timeout }).catch(async () => {
    throw new Error(`${CLUSTER}/${ns} is ${await page.locator(cell(ns)).getAttribute('data-state')}, expected ${state}`);
  });
}

async function openPanel(page, ns) {
  await page.locator(`${cell(ns)} button.cell-open`).click();
  await page.locator(`${panel}[data-namespace="${ns}"][data-cluster="${CLUSTER}"]`).waitFor();
}

/// Clicks an action of the open panel and waits for its run to end;
/// returns the run's steps as `state: title`.
async function runAction(page, action, op, confirm = false) {
  const shown = page.locator(`${panel} [data-testid="migration-run"]`);
  const before = (await shown.count()) ? await shown.getAttribute('data-run') : null;
  await page.locator(`${panel} button[data-action="${action}"]`).click();
  if (confirm) {
    await page.locator(`${panel} [data-testid="confirm-dialog"] button[data-action="confirm"]`).click();
  }
  const run = page.locator(`${panel} [data-testid="migration-run"][data-op="${op}"]`);
  await page.waitForFunction(({ sel, before }) => {
    const el = document.querySelector(sel);
    return el && el.dataset.run !== before && el.dataset.phase !== 'running';
  }, { sel: `${panel} [data-testid="migration-run"][data-op="${op}"]`, before }, { timeout: RUN_TIMEOUT });
  const phase = await run.getAttribute('data-phase');
  const steps = await run.locator('ol.install-steps li').evaluateAll((els) =>
    els.map((e) => `${e.dataset.state}: ${e.querySelector('.step-title').textContent}`));
  expect(phase === 'succeeded', `${op} ended ${phase}: ${JSON.stringify(steps)} ${await run.textContent()}`);
  return steps;
}

const steps = [
  ['two security officers grant issuing gke-eu\'s intermediate (its suggested CA is Istio CA)', async (page) => {
    await page.goto(BASE_URL + '/security');
    await grantIssuance(page, CLUSTER);
  }],
  ['the operator installs asm-178-10 on gke-eu beside open-source istiod', async (page) => {
    await page.goto(BASE_URL + '/mesh');
    await signIn(page, account('operator'));
    await page.locator(revisionRow(CLUSTER, 'default')).waitFor();
    // One revision per cluster yet: the board waits for a second.
    await page.locator('[data-testid="migration-pair"]').waitFor();
    await page.locator(`${wizard} select[name="cluster"] option[value="${CLUSTER}"]:not([disabled])`).waitFor({ state: 'attached' });
    await page.locator(`${wizard} select[name="cluster"]`).selectOption(CLUSTER);
    await page.getByRole('button', { name: 'Next: settings' }).click();
    const version = page.locator(`${wizard} input[name="version"]`);
    await version.fill(VERSION);
    await page.waitForFunction((r) => document.querySelector('[data-testid="install-wizard"] input[name="revision"]')?.value === r, REVISION);
    await page.getByRole('button', { name: 'Next: preflight' }).click();
    await page.locator(`${wizard} [data-testid="override"][data-check="service_port_names"] textarea`).fill(REASON);
    await page.getByRole('button', { name: 'Next: review the plan' }).click();
    await page.locator(`${wizard} .object-diff[data-object="Deployment istio-system/istiod-${REVISION}"]`).waitFor({ timeout: 30000 });
    await page.getByRole('button', { name: 'Apply plan' }).click();
    await page.locator(`${wizard} .run-summary[data-phase="succeeded"], ${wizard} .run-summary[data-phase="failed"]`)
      .waitFor({ timeout: RUN_TIMEOUT });
    const verification = page.locator(`${wizard} [data-testid="verification"]`);
    expect(await verification.getAttribute('data-result') === 'passed', `install: ${await verification.textContent()}`);
    await page.locator(`${revisionRow(CLUSTER, REVISION)} .rev-ready[data-ready="true"]`).waitFor({ timeout: 30000 });
    expect(await page.locator(revisionRow(CLUSTER, 'default')).count() === 1, 'open-source istiod still runs beside it');
  }],
  ['the board shows blue and green on the old revision', async (page) => {
    await page.locator(`[data-testid="migration-pair"][data-ready="true"]`).waitFor();
    await page.locator('[data-testid="migration-pair"] select[name="from"]').selectOption('default');
    await page.locator('[data-testid="migration-pair"] select[name="to"]').selectOption(REVISION);
    await page.locator(`${board}[data-from="default"][data-to="${REVISION}"]`).waitFor();
    await cellIs(page, 'blue', 'old', 30000);
    await cellIs(page, 'green', 'old', 30000);
    const colour = await page.locator(cell('blue')).evaluate((e) => getComputedStyle(e).backgroundColor);
    expect(colour !== 'rgba(0, 0, 0, 0)', `cells are coloured by state (${colour})`);
    // Named for screen readers by namespace, cluster, state and target.
    const named = await page.getByRole('button', { name: `namespace blue on ${CLUSTER}: on default, target ${REVISION}`, exact: true });
    expect(await named.count() === 1, `blue's cell is named: ${await page.locator(`${cell('blue')} button.cell-open`).getAttribute('aria-label')}`);
    await screenshot(page, 'board-before');
  }],
  ['the board offers nothing impossible: no pick or Migrate where asm-178-10 is not installed', async (page) => {
    const other = `${board} td.board-cell[data-cluster="gke-us"][data-namespace="blue"]`;
    await page.locator(other).waitFor();
    expect(await page.locator(`${board} th[data-cluster="gke-us"] [data-testid="target-missing"]`).count() === 1, 'gke-us is marked as lacking the target');
    expect(await page.locator(`${other} input.cell-pick`).isDisabled(), 'no wave pick on gke-us');
    expect(await page.locator(`${cell('blue')} input.cell-pick`).isEnabled(), 'gke-eu cells can be picked');
    await page.locator(`${other} button.cell-open`).click();
    const usPanel = `${panel}[data-cluster="gke-us"][data-namespace="blue"]`;
    await page.locator(usPanel).waitFor();
    expect(await page.locator(`${usPanel} button[data-action="migrate"]`).isDisabled(), 'no Migrate on gke-us');
    const why = await page.locator(`${usPanel} [data-testid="migrate-blocked"]`).textContent();
    expect(why.includes('not installed on gke-us'), `the reason: ${JSON.stringify(why)}`);
    // gke-us's only control plane is never finished.
    const usFinish = '[data-testid="finish-panel"] li.finish-cluster[data-cluster="gke-us"]';
    await page.locator(`${usFinish} [data-testid="finish-refused-reason"]`).waitFor({ timeout: 30000 });
    const refused = await page.locator(`${usFinish} [data-testid="finish-refused-reason"]`).textContent();
    expect(refused.includes('only control plane'), `gke-us finish reason ${JSON.stringify(refused)}`);
    expect(await page.locator(`${usFinish} button[data-action="finish"]`).isDisabled(), 'no finish on gke-us');
    await screenshot(page, 'board-impossible');
  }],
  ['migrates blue: relabel, rolling restart, every pod on asm-178-10', async (page) => {
    await openPanel(page, 'blue');
    const states = await runAction(page, 'migrate', 'migrate');
    const shown = JSON.stringify(states);
    expect(states.length >= 3 && states.every((s) => s.startsWith('done:')), `steps ${shown}`);
    expect(states.some((s) => s.includes('Label namespace blue')), shown);
    expect(states.some((s) => s.includes('Rolling restart of Deployment blue/foo')), shown);
    await cellIs(page, 'blue', 'on-target');
  }],
  ['verifies blue: pods per revision, no stragglers', async (page) => {
    await page.locator(`${panel} button[data-action="verify"]`).click();
    const result = page.locator(`${panel} [data-testid="verification-result"]`);
    await result.waitFor();
    expect(await result.getAttribute('data-complete') === 'true', `verification: ${await result.textContent()}`);
    expect(await result.locator(`tr[data-revision="${REVISION}"]`).count() === 1, `pods on ${REVISION}: ${await result.textContent()}`);
    expect(await result.locator('tr[data-revision="default"]').count() === 0, `no pods left on default: ${await result.textContent()}`);
    await result.locator('[data-testid="no-stragglers"]').waitFor();
    const badge = result.locator('[data-testid="no-stragglers"] .status[data-tone="pass"]');
    expect((await badge.textContent()).includes('✓') && (await badge.textContent()).includes('Verified'), 'the pass is said by symbol and word');
    const onTarget = await page.locator(`${cell('blue')} button.cell-open`).getAttribute('aria-label');
    expect(onTarget === `namespace blue on ${CLUSTER}: on ${REVISION}, target ${REVISION}`, `blue's cell after migrating: ${onTarget}`);
    await screenshot(page, 'blue-verified');
  }],
  ['migrates green, then rolls it back to open-source istiod after a confirmation', async (page) => {
    await openPanel(page, 'green');
    await runAction(page, 'migrate', 'migrate');
    await cellIs(page, 'green', 'on-target');
    // The confirmation names the namespace, the cluster and what happens;
    // cancelling changes nothing.
    const runs = await page.locator(`${panel} [data-testid="migration-run"]`).getAttribute('data-run');
    await page.locator(`${panel} button[data-action="rollback"]`).click();
    const dialog = page.locator(`${panel} [data-testid="confirm-dialog"]`);
    const asked = await dialog.textContent();
    expect(asked.includes('green') && asked.includes(CLUSTER) && asked.includes('Nothing is deleted'), `rollback confirmation ${JSON.stringify(asked)}`);
    await screenshot(page, 'rollback-confirm');
    await dialog.locator('button[data-action="cancel"]').click();
    await dialog.waitFor({ state: 'detached' });
    await cellIs(page, 'green', 'on-target', 5000);
    expect(await page.locator(`${panel} [data-testid="migration-run"]`).getAttribute('data-run') === runs, 'cancelling started nothing');
    const states = await runAction(page, 'rollback', 'rollback', true);
    expect(states.some((s) => s.includes('green')), `rollback steps ${JSON.stringify(states)}`);
    expect(!states.some((s) => s.includes('Delete')), `a rollback deletes nothing ${JSON.stringify(states)}`);
    await cellIs(page, 'green', 'old');
    await page.locator(revisionRow(CLUSTER, REVISION)).waitFor();
    await cellIs(page, 'blue', 'on-target', 5000);
  }],
  ['finish is disabled while green uses istiod, the reason naming it', async (page) => {
    const row = page.locator(finishRow);
    await page.locator(`${finishRow} [data-testid="finish-refused-reason"]`).waitFor({ timeout: 30000 });
    const why = await row.locator('[data-testid="finish-refused-reason"]').textContent();
    expect(why.includes('green') && why.includes(CLUSTER), `the reason names green on ${CLUSTER}: ${JSON.stringify(why)}`);
    expect(await row.locator('button[data-action="finish"][data-revision="default"]').isDisabled(), 'finish is not offered');
    expect(await page.locator(revisionRow(CLUSTER, 'default')).count() === 1, 'istiod is still there');
    await screenshot(page, 'finish-refused');
  }],
  ['migrates green again, finishes after confirming the preview\'s objects, and the old control plane is gone', async (page) => {
    await openPanel(page, 'green');
    await runAction(page, 'migrate', 'migrate');
    await cellIs(page, 'green', 'on-target');
    await page.locator(`${finishRow} .dependency-check[data-unused="true"]`).waitFor({ timeout: 30000 });
    const finish = page.locator(`${finishRow} button[data-action="finish"][data-revision="default"]`);
    await page.waitForFunction((s) => !document.querySelector(s)?.disabled, `${finishRow} button[data-action="finish"][data-revision="default"]`);
    const dialog = page.locator(`${finishRow} [data-testid="confirm-dialog"]`);
    await finish.click();
    await dialog.waitFor();
    const listed = await dialog.locator('[data-testid="confirm-objects"] li').allTextContents();
    const asked = await dialog.locator('.confirm-question').textContent();
    expect(asked.includes(CLUSTER) && asked.includes('default'), `finish confirmation ${JSON.stringify(asked)}`);
    expect(listed.includes('Delete Deployment istio-system/istiod'), `listed ${JSON.stringify(listed)}`);
    await screenshot(page, 'finish-confirm');
    await dialog.locator('button[data-action="cancel"]').click();
    await dialog.waitFor({ state: 'detached' });
    expect(await page.locator(`${finishRow} [data-testid="migration-run"][data-op="finish"]`).count() === 0, 'cancelling started nothing');
    expect(await page.locator(revisionRow(CLUSTER, 'default')).count() === 1, 'istiod is still there after cancelling');
    await finish.click();
    await dialog.locator('button[data-action="confirm"]').click();
    const run = page.locator(`${finishRow} [data-testid="migration-run"][data-op="finish"]`);
    await page.locator(`${finishRow} [data-testid="migration-run"][data-op="finish"]:not([data-phase="running"])`).waitFor({ timeout: RUN_TIMEOUT });
    const states = await run.locator('ol.install-steps li').evaluateAll((els) =>
      els.map((e) => `${e.dataset.state}: ${e.querySelector('.step-title').textContent}`));
    const titles = await run.locator('ol.install-steps li .step-title').allTextContents();
    expect(await run.getAttribute('data-phase') === 'succeeded', `finish: ${JSON.stringify(states)}`);
    expect(JSON.stringify(titles) === JSON.stringify(listed), `the run's steps ${JSON.stringify(titles)} are the confirmed ${JSON.stringify(listed)}`);
    expect(states.some((s) => s.startsWith('done:') && s.includes('Delete Deployment istio-system/istiod')), JSON.stringify(states));
    await page.locator(`${finishRow}[data-old-present="false"] [data-testid="old-gone"]`).waitFor({ timeout: 30000 });
    // Finishing deletes istiod's Service, Deployment, HPA and PDB (seed 000)
    // and its injector: the default revision is gone or webhook only.
    const old = page.locator(revisionRow(CLUSTER, 'default'));
    if (await old.count()) {
      const text = await old.textContent();
      expect(text.includes('webhook only') && !text.includes('Ready'), `gke-eu's default revision after finish: ${JSON.stringify(text)}`);
    }
    await page.locator(revisionRow(CLUSTER, REVISION)).waitFor();
    await cellIs(page, 'blue', 'on-target', 5000);
    await cellIs(page, 'green', 'on-target', 5000);
    await screenshot(page, 'finished');
  }],
  ['the gateway panel checks the loadBalancerIP as typed, sets it, and maps the VIP to node ports', async (page) => {
    const gw = '[data-testid="gateway-panel"]';
    await page.locator(`${gw} select[name="gateway_cluster"]`).selectOption(CLUSTER);
    await page.locator(`${gw} [data-testid="gateway-facts"]`).waitFor();
    const ip = page.locator(`${gw} input[name="load_balancer_ip"]`);
    await ip.fill('203.0.113');
    const problem = await page.locator(`${gw} .set-lb-ip .field-problem`).textContent();
    expect(problem.includes('not a usable load balancer IP'), `problem ${JSON.stringify(problem)}`);
    expect(await page.locator(`${gw} button[data-action="set-lb-ip"]`).isDisabled(), 'a bad address cannot be set');
    await ip.fill('203.0.113.10');
    // Asked first, naming the cluster and old -> new; cancelling changes nothing.
    const before = await page.locator(`${gw} dd[data-field="load_balancer_ip"]`).textContent();
    await page.locator(`${gw} button[data-action="set-lb-ip"]`).click();
    const dialog = page.locator(`${gw} [data-testid="confirm-dialog"]`);
    const asked = await dialog.locator('.confirm-question').textContent();
    expect(asked.includes(CLUSTER) && asked.includes(`${before} -> 203.0.113.10`), `gateway confirmation ${JSON.stringify(asked)}`);
    await dialog.locator('button[data-action="cancel"]').click();
    await dialog.waitFor({ state: 'detached' });
    await page.locator(`${gw} select[name="gateway_cluster"]`).selectOption('');
    await page.locator(`${gw} select[name="gateway_cluster"]`).selectOption(CLUSTER);
    await page.locator(`${gw} [data-testid="gateway-facts"]`).waitFor();
    expect(await page.locator(`${gw} dd[data-field="load_balancer_ip"]`).textContent() === before, 'cancelling left the address as it was');
    await ip.fill('203.0.113.10');
    await page.locator(`${gw} button[data-action="set-lb-ip"]`).click();
    await dialog.locator('button[data-action="confirm"]').click();
    await page.waitForFunction((s) => document.querySelector(`${s} dd[data-field="load_balancer_ip"]`)?.textContent === '203.0.113.10', gw);
    await page.locator(`${gw} input[name="vip"]`).fill('203.0.113.10');
    await page.locator(`${gw} input[name="vip"]`).press('Enter');
    await page.locator(`${gw} [data-testid="nodeport-mapping"] tr[data-port="http2"]`).waitFor();
    const text = await page.locator(`${gw} [data-testid="mapping-text"]`).inputValue();
    expect(/^203\.0\.113\.10:80 -> \S+:\d+  # http2 \(TCP\)$/m.test(text), `mapping text ${JSON.stringify(text)}`);
    await screenshot(page, 'gateway');
  }],
  ['a manager reads the board without its actions', async (page) => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page, account('manager'));
    await page.locator(`[data-testid="migration-pair"][data-ready="true"]`).waitFor();
    await page.locator('[data-testid="migration-pair"] select[name="to"]').selectOption(REVISION);
    await cellIs(page, 'blue', 'on-target', 30000);
    await openPanel(page, 'blue');
    for (const action of ['migrate', 'rollback']) {
      expect(await page.locator(`${panel} button[data-action="${action}"]`).count() === 0, `no ${action} for a manager`);
    }
    expect(await page.locator('button[data-action="finish"]').count() === 0, 'no finish for a manager');
    expect(await page.locator('input.cell-pick').count() === 0, 'no wave picking for a manager');
    await page.locator(`${panel} button[data-action="verify"]`).click();
    await page.locator(`${panel} [data-testid="verification-result"][data-complete="true"]`).waitFor();
  }],
  ['the activity log links the install and the migrations to their runs', async (page) => {
    for (const [action, kind] of [['mesh.install', 'install run'], ['mesh.migrate', 'migration run']]) {
      await page.goto(`${BASE_URL}/activity?action=${action}&outcome=success`);
      const row = page.locator(`table.audit tr.audit-entry[data-action="${action}"]`).first();
      await row.waitFor();
      const run = /(?:^| )run=(\S+)/.exec(await row.locator('td.params').textContent());
      expect(run, `${action} records its run`);
      const link = row.locator('a.entry-link', { hasText: `${kind} ${run[1]}` });
      expect(await link.count() === 1, `${action} links to ${kind} ${run[1]}: ${await row.textContent()}`);
      expect(await link.getAttribute('href') === `/mesh?run=${run[1]}`, `${kind} link ${await link.getAttribute('href')}`);
      expect(await row.locator(`a.entry-link[href="/c/${CLUSTER}"]`).count() === 1, `${action} links to ${CLUSTER}`);
    }
    // The page now lists the migrations: follow one to its run, which
    // opens below the runs list.
    const first = page.locator('table.audit a.entry-link', { hasText: 'migration run' }).first();
    const id = (await first.getAttribute('href')).split('run=')[1];
    await first.click();
    await page.waitForURL(`**/mesh?run=${id}`);
    await page.locator(`section.run-detail[data-run="${id}"]`).waitFor();
    await screenshot(page, 'activity-links');
  }],
];

await journey('migration', steps, { expectedStatuses: [409] });
