// Journey: an operator installs revision asm-1106-2 on onprem-vmware-1 with
// Mesh CA through the wizard: settings pre-filled and checked on the field,
// preflight failing on a port name until an override reason is typed, the
// plan reviewed as a diff and exported, applied with live progress to a
// passed verification; then asm-1106-2 on gke-eu with Istio CA, its
// cacerts issued from the mesh root in the token. Then a manager sees the new revision on the mesh
// page, read-only, with no way to install. The mesh root is the security
// officer's (issue 21): without it the operator's Istio CA preflight fails
// saying so, and the officer creates it on Security → Mesh roots first;
// issuing gke-eu's intermediate is the officers' decision too: one
// proposes an issuance grant, a second approves it.
import { BASE_URL, account, ensureMeshRoot, expect, fleetMeshId, journey, meshRoots, screenshot, signIn } from './lib/browser.mjs';

const CLUSTER = 'onprem-vmware-1';
const REVISION = 'asm-1106-2';
const REASON = 'blue/bar keeps its port name until the app team renames it next sprint';

const wizard = '[data-testid="install-wizard"]';
const revisionRow = (cluster, revision) => `table.mesh-revisions tr[data-cluster="${cluster}"][data-revision="${revision}"]`;

async function headingIs(page, text) {
  await page.waitForFunction(
    (t) => document.querySelector('main h1')?.textContent?.trim() === t, text,
  ).catch(async () => {
    throw new Error(`heading is ${JSON.stringify(await page.locator('main h1').first().textContent())}, expected ${JSON.stringify(text)}`);
  });
}

async function currentStep(page) {
  return page.locator(`${wizard} .wizard-steps li[aria-current="step"]`).getAttribute('data-step');
}

async function stepIs(page, step) {
  await page.locator(`${wizard} .wizard-steps li[aria-current="step"][data-step="${step}"]`).waitFor()
    .catch(async () => { throw new Error(`wizard is at ${await currentStep(page)}, expected ${step}`); });
}

const input = (page, name) => page.locator(`${wizard} input[name="${name}"]`);
// The seeds' release, picked from the wizard's release catalogue (the
// wizard offers a current release first); the revision follows it.
const SEED_VERSION = '1.10.6-asm.2';
const pickSeedRelease = async (page) => {
  await page.locator(`${wizard} select[name="release"]`).selectOption(SEED_VERSION);
  await page.waitForFunction(([w, r]) => document.querySelector(`${w} input[name="revision"]`)?.value === r, [wizard, REVISION]);
};
const field = (page, name) => page.locator(`${wizard} .field[data-field="${name}"]`);

const OFFICER_MESSAGE = 'a security officer must create the mesh root on Security → Mesh roots';

const steps = [
  ['without a mesh root, the operator\'s Istio CA preflight says a security officer must create one', async (page) => {
    await page.goto(BASE_URL + '/mesh');
    await signIn(page, account('operator'));
    await headingIs(page, 'Mesh');
    const mesh = await fleetMeshId(page);
    const hasRoot = async () => (await meshRoots(page)).some((r) => r.mesh === mesh && r.state === 'active');
    // The test token outlives runs: an earlier run may have made the root.
    if (!(await hasRoot())) {
      await page.locator(`${wizard} select[name="cluster"] option[value="gke-eu"]:not([disabled])`).waitFor({ state: 'attached' });
      await page.locator(`${wizard} select[name="cluster"]`).selectOption('gke-eu');
      await page.getByRole('button', { name: 'Next: settings' }).click();
      await stepIs(page, 'settings');
      expect(await input(page, 'mesh_id').inputValue() === mesh, 'the suggested mesh id is the fleet\'s');
      await page.locator(`${wizard} .choice[data-ca="istio_ca_plugin_certs"] input`).check();
      await page.getByRole('button', { name: 'Next: preflight' }).click();
      await stepIs(page, 'preflight');
      const ca = page.locator(`${wizard} li.check[data-check="ca_mode"]`);
      await ca.waitFor();
      const text = await ca.textContent();
      expect(await ca.getAttribute('data-verdict') === 'fail' && text.includes(OFFICER_MESSAGE), `Istio CA check without a root: ${JSON.stringify(text)}`);
      await screenshot(page, 'no-mesh-root');
      expect(!(await hasRoot()), 'preflight created no root');
    }
    await page.getByRole('button', { name: 'Sign out' }).click();
    await headingIs(page, 'Sign in');
  }],
  ['the security officer creates the mesh root, then proposes issuing gke-eu\'s intermediate under it', async (page) => {
    await signIn(page, account('officer'));
    const mesh = await ensureMeshRoot(page);
    await screenshot(page, 'mesh-root');
    await page.getByRole('heading', { name: 'Issuance grants' }).waitFor();
    const form = page.locator('.grant-propose');
    await form.locator('input[name="clusters"][value="gke-eu"]').check();
    expect(await form.locator('input[name="mesh"]').inputValue() === mesh, 'the form suggests the fleet\'s mesh');
    await form.getByRole('button', { name: 'Propose grant' }).click();
    const confirm = page.locator('.grant-confirm');
    await confirm.waitFor();
    const asked = await confirm.textContent();
    expect(asked.includes('gke-eu') && asked.includes(mesh) && asked.includes('another security officer'), `confirmation ${JSON.stringify(asked)}`);
    await confirm.getByRole('button', { name: 'Propose grant' }).click();
    const proposed = page.locator('table.issuance-grants tr[data-state="proposed"]', { hasText: 'gke-eu' });
    await proposed.waitFor();
    expect((await proposed.locator('.approvals').textContent()).includes('1 of 2 (officer)'), 'one officer so far');
    expect(await proposed.getByRole('button', { name: 'Approve' }).count() === 0, 'the proposer cannot approve her own grant');
    await screenshot(page, 'grant-proposed');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await headingIs(page, 'Sign in');
  }],
  ['a second security officer approves the grant: it is active', async (page) => {
    await signIn(page, account('officer2'));
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Security', exact: true }).click();
    await page.waitForURL('**/security');
    const proposed = page.locator('table.issuance-grants tr[data-state="proposed"]', { hasText: 'gke-eu' });
    await proposed.getByRole('button', { name: 'Approve' }).click();
    const confirm = page.locator('.grant-confirm');
    await confirm.waitFor();
    expect((await confirm.textContent()).includes('gke-eu'), 'the confirmation names the cluster');
    await confirm.getByRole('button', { name: 'Approve grant' }).click();
    const active = page.locator('table.issuance-grants tr[data-state="active"]', { hasText: 'gke-eu' });
    await active.waitFor();
    expect((await active.locator('.approvals').textContent()).includes('2 of 2 (officer, officer2)'), 'two officers agreed');
    await screenshot(page, 'grant-active');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await headingIs(page, 'Sign in');
  }],
  ['the operator opens the mesh page: revisions per cluster, no asm-1106-2 yet', async (page) => {
    await page.goto(BASE_URL + '/mesh');
    await signIn(page, account('operator'));
    await headingIs(page, 'Mesh');
    await page.locator('table.mesh-revisions tbody tr').first().waitFor();
    await page.locator(revisionRow('gke-eu', 'default')).waitFor();
    const eu = await page.locator(revisionRow('gke-eu', 'default')).textContent();
    expect(eu.includes('1.9.8') || eu.includes('Ready'), `gke-eu's default revision row: ${JSON.stringify(eu)}`);
    expect(await page.locator(revisionRow(CLUSTER, REVISION)).count() === 0, `${CLUSTER} has no ${REVISION} yet`);
    await page.locator(wizard).waitFor();
    await stepIs(page, 'cluster');
  }],
  ['picks the cluster and gets the suggested settings', async (page) => {
    // Options arrive with the live fleet; unreachable ones are disabled.
    await page.locator(`${wizard} select[name="cluster"] option[value="${CLUSTER}"]:not([disabled])`).waitFor({ state: 'attached' });
    await page.locator(`${wizard} select[name="cluster"]`).selectOption(CLUSTER);
    await page.getByRole('button', { name: 'Next: settings' }).click();
    await stepIs(page, 'settings');
    // Focus moves to the new step's first field: the release list.
    await page.waitForFunction(() => document.activeElement?.getAttribute('name') === 'release', null, { timeout: 5000 })
      .catch(async () => { throw new Error(`focus is on ${await page.evaluate(() => document.activeElement?.outerHTML?.slice(0, 120))}`); });
    const values = {
      version: await input(page, 'version').inputValue(),
      revision: await input(page, 'revision').inputValue(),
      profile: await page.locator(`${wizard} select[name="profile"]`).inputValue(),
      mesh: await input(page, 'mesh_id').inputValue(),
      name: await input(page, 'cluster_name').inputValue(),
      network: await input(page, 'network').inputValue(),
      aliases: await page.locator(`${wizard} textarea[name="trust_domain_aliases"]`).inputValue(),
    };
    const shown = JSON.stringify(values);
    expect(values.version === '1.31.2-asm.1' && values.revision === 'asm-1312-1', `a current release first: ${shown}`);
    expect(values.profile === 'asm-multicloud' && /^proj-\d+$/.test(values.mesh), shown);
    expect(values.name === CLUSTER && values.network === `${CLUSTER}-net`, shown);
    expect(values.aliases.split('\n').every((a) => a.endsWith('.svc.id.goog')) && values.aliases.includes('project-a.svc.id.goog'), shown);
    await pickSeedRelease(page);
  }],
  ['HSM is selectable and brings its four fields; another CA mode puts them away', async (page) => {
    const hsm = page.locator(`${wizard} .choice[data-ca="hsm"]`);
    expect(!(await hsm.locator('input').isDisabled()), 'the HSM option is enabled');
    await hsm.locator('input').check();
    const fields = page.locator(`${wizard} [data-testid="hsm-settings"]`);
    await fields.waitFor();
    expect(await input(page, 'hsm_slot_label').inputValue() === `asm-${CLUSTER}`, 'the slot label follows the cluster');
    expect(await input(page, 'hsm_secret_path').inputValue() === `asm-${CLUSTER}/hsm`, 'the secret path follows the cluster');
    const kek = await field(page, 'hsm_kek_id').locator('.field-problem').textContent();
    expect(kek.includes('no KEK id yet'), `KEK problem ${JSON.stringify(kek)}`);
    expect(await page.getByRole('button', { name: 'Next: preflight' }).isDisabled(), 'HSM without a KEK cannot go on');
    await page.locator(`${wizard} .choice[data-ca="mesh_ca"] input`).check();
    await fields.waitFor({ state: 'detached' });
  }],
  ['a bad value shows its problem on its field and blocks the next step', async (page) => {
    const network = input(page, 'network');
    await network.fill('-net');
    await field(page, 'network').locator('.field-problem').waitFor();
    const problem = await field(page, 'network').locator('.field-problem').textContent();
    expect(problem.includes('start and end with a letter or digit'), `network problem ${JSON.stringify(problem)}`);
    expect(await network.getAttribute('aria-invalid') === 'true', 'the network field is marked invalid');
    expect(await field(page, 'mesh_id').locator('.field-problem').count() === 0, 'other fields stay clean');
    expect(await page.getByRole('button', { name: 'Next: preflight' }).isDisabled(), 'cannot go on with a bad value');
    await screenshot(page, 'settings-problem');
    await network.fill(`${CLUSTER}-net`);
    await field(page, 'network').locator('.field-problem').waitFor({ state: 'detached' });
  }],
  ['chooses Mesh CA; preflight re-runs at once and fails', async (page) => {
    await page.locator(`${wizard} .choice[data-ca="mesh_ca"] input`).check();
    await page.locator(`${wizard} .preflight-now[data-fail]`).waitFor();
    const fails = Number(await page.locator(`${wizard} .preflight-now`).getAttribute('data-fail'));
    expect(fails >= 1, `preflight now shows ${fails} failures`);
    await page.getByRole('button', { name: 'Next: preflight' }).click();
    await stepIs(page, 'preflight');
    // Focus moves to the step's first field: the failed check's override.
    await page.waitForFunction(() => document.activeElement?.getAttribute('name') === 'override-reason', null, { timeout: 5000 })
      .catch(async () => { throw new Error(`focus is on ${await page.evaluate(() => document.activeElement?.outerHTML?.slice(0, 120))}`); });
  }],
  ['preflight lists the port-name failure with its evidence; an override needs 20 characters', async (page) => {
    const ports = page.locator(`${wizard} li.check[data-check="service_port_names"]`);
    await ports.waitFor();
    expect(await ports.getAttribute('data-verdict') === 'fail', 'port names fail');
    const evidence = await ports.locator('.evidence').textContent();
    expect(evidence.includes('blue/bar'), `evidence names the Service: ${JSON.stringify(evidence)}`);
    const ca = page.locator(`${wizard} li.check[data-check="ca_mode"]`);
    expect(await ca.getAttribute('data-verdict') === 'pass', `Mesh CA check: ${await ca.textContent()}`);
    const next = page.getByRole('button', { name: 'Next: review the plan' });
    expect(await next.isDisabled(), 'a failed check blocks until overridden');
    // One override field per failed check, named by it: here only the
    // port names fail.
    const fields = await page.locator(`${wizard} [data-testid="override"]`).evaluateAll((els) => els.map((e) => e.dataset.check));
    expect(JSON.stringify(fields) === JSON.stringify(['service_port_names']), `override fields ${JSON.stringify(fields)}`);
    const label = await page.locator(`${wizard} [data-testid="override"] label`).textContent();
    expect(label.includes('Service ports named protocol[-suffix]'), `the field names its check: ${JSON.stringify(label)}`);
    const reason = page.locator(`${wizard} [data-testid="override"][data-check="service_port_names"] textarea`);
    await reason.fill('renaming later');
    await page.waitForFunction(() => document.querySelector('.reason-counter')?.textContent?.includes('14 / 20'));
    expect(await next.isDisabled(), 'a short reason is not enough');
    await reason.fill(REASON);
    await page.waitForFunction((n) => document.querySelector('.reason-counter')?.textContent?.includes(`${n} / 20`), REASON.length);
    expect(!(await next.isDisabled()), 'a reason of 20 characters or more lets the operator go on');
    await screenshot(page, 'preflight');
    await next.click();
    await stepIs(page, 'plan');
  }],
  ['the plan diff shows each object with its change, and exports', async (page) => {
    await page.locator(`${wizard} .object-diff`).first().waitFor({ timeout: 30000 });
    const objects = await page.locator(`${wizard} .object-diff`).evaluateAll((els) =>
      els.map((e) => ({ title: e.dataset.object, change: e.dataset.change })));
    const shown = JSON.stringify(objects);
    expect(objects.length >= 8, `objects ${shown}`);
    const deployment = objects.find((o) => o.title === `Deployment istio-system/istiod-${REVISION}`);
    expect(deployment && deployment.change === 'create', `the istiod Deployment is created: ${shown}`);
    expect(objects.some((o) => o.title.startsWith('MutatingWebhookConfiguration')), `a mutating webhook: ${shown}`);
    // Collapsed until opened; then its added lines show.
    const block = page.locator(`${wizard} .object-diff[data-object="Deployment istio-system/istiod-${REVISION}"]`);
    expect(!(await block.locator('pre.diff').isVisible()), 'collapsed at first');
    await block.locator('summary').click();
    await block.locator('pre.diff').waitFor();
    const added = await block.locator('.diff-added').allTextContents();
    expect(added.length > 10 && added.some((l) => l.includes(`istio.io/rev: ${REVISION}`)), `added lines ${JSON.stringify(added.slice(0, 20))}`);
    const colour = await block.locator('.diff-added').first().evaluate((e) => getComputedStyle(e).backgroundColor);
    expect(colour !== 'rgba(0, 0, 0, 0)', `added lines are coloured (${colour})`);
    const verdict = page.locator(`${wizard} .preflight-verdict`);
    expect(await verdict.getAttribute('data-blocked') === 'true', 'the backend blocks it too');
    expect((await verdict.textContent()).includes(`preflight failed on ${CLUSTER}`), await verdict.textContent());
    const manifests = await page.request.get(BASE_URL + await page.getByRole('link', { name: 'Export manifests' }).getAttribute('href'));
    const yaml = await manifests.text();
    expect(manifests.status() === 200 && yaml.includes('kind: Deployment') && yaml.includes(`name: istiod-${REVISION}`), `manifests export: ${manifests.status()} ${yaml.slice(0, 200)}`);
    const operator = await page.request.get(BASE_URL + await page.getByRole('link', { name: 'Export IstioOperator' }).getAttribute('href'));
    const io = await operator.text();
    expect(operator.status() === 200 && io.includes('kind: IstioOperator') && io.includes(REVISION), `IstioOperator export: ${operator.status()} ${io.slice(0, 200)}`);
    await screenshot(page, 'plan');
  }],
  ['applies the plan and follows every step to a passed verification', async (page) => {
    await page.getByRole('button', { name: 'Apply plan' }).click();
    await page.locator(`${wizard} .wizard-body[data-stage="apply"], ${wizard} .wizard-body[data-stage="verify"]`).waitFor();
    await page.locator(`${wizard} ol.install-steps li`).first().waitFor();
    await page.locator(`${wizard} .run-summary[data-phase="succeeded"], ${wizard} .run-summary[data-phase="failed"]`)
      .waitFor({ timeout: 90000 });
    const states = await page.locator(`${wizard} ol.install-steps li`).evaluateAll((els) =>
      els.map((e) => `${e.dataset.state}: ${e.querySelector('.step-title').textContent}`));
    const shown = JSON.stringify(states);
    expect(states.length >= 10 && states.every((s) => s.startsWith('done:')), `steps ${shown}`);
    expect(states.some((s) => s.includes(`Wait for istiod-${REVISION} to become Ready`)), shown);
    await stepIs(page, 'verify');
    const verification = page.locator(`${wizard} [data-testid="verification"]`);
    expect(await verification.getAttribute('data-result') === 'passed', `verification: ${await verification.textContent()}`);
    const text = await verification.textContent();
    expect(text.includes(CLUSTER) && text.includes(`labelled istio.io/rev=${REVISION}`) && /\d+\/\d+ pods Ready/.test(text), `verification says ${JSON.stringify(text)}`);
    await screenshot(page, 'installed');
  }],
  ['the revisions table shows the new revision live', async (page) => {
    await page.locator(revisionRow(CLUSTER, REVISION)).waitFor({ timeout: 30000 });
    await page.locator(`${revisionRow(CLUSTER, REVISION)} .rev-ready[data-ready="true"]`).waitFor({ timeout: 30000 });
    // The runs list follows the wizard's run.
    const run = page.locator('table.install-runs tbody tr[data-phase="succeeded"]');
    await run.first().waitFor();
    const text = await run.first().textContent();
    expect(text.includes(CLUSTER) && text.includes(REVISION), `install runs: ${JSON.stringify(text)}`);
  }],
  ['installs asm-1106-2 on gke-eu with Istio CA: cacerts issued from the mesh root', async (page) => {
    await page.getByRole('button', { name: 'Install another revision' }).click();
    await stepIs(page, 'cluster');
    await page.locator(`${wizard} select[name="cluster"] option[value="gke-eu"]:not([disabled])`).waitFor({ state: 'attached' });
    await page.locator(`${wizard} select[name="cluster"]`).selectOption('gke-eu');
    await page.getByRole('button', { name: 'Next: settings' }).click();
    await stepIs(page, 'settings');
    expect(await input(page, 'cluster_name').inputValue() === 'gke-eu', 'settings follow the new cluster');
    await pickSeedRelease(page);
    await page.locator(`${wizard} .choice[data-ca="istio_ca_plugin_certs"] input`).check();
    await page.getByRole('button', { name: 'Next: preflight' }).click();
    await stepIs(page, 'preflight');
    const ca = page.locator(`${wizard} li.check[data-check="ca_mode"]`);
    await ca.waitFor();
    const caText = await ca.textContent();
    expect(await ca.getAttribute('data-verdict') === 'pass' && /under issuance grant g[0-9a-f]{16}/.test(caText), `Istio CA check: ${caText}`);
    await page.locator(`${wizard} [data-testid="override"][data-check="service_port_names"] textarea`).fill(REASON);
    await page.getByRole('button', { name: 'Next: review the plan' }).click();
    await stepIs(page, 'plan');
    const cacerts = page.locator(`${wizard} .object-diff[data-object="Secret istio-system/cacerts"]`);
    await cacerts.waitFor({ timeout: 30000 });
    expect(await cacerts.getAttribute('data-change') === 'create', 'cacerts will be created');
    await cacerts.locator('summary').click();
    const lines = (await cacerts.locator('pre.diff').textContent()) ?? '';
    expect(lines.includes('ca-key.pem') && !lines.includes('PRIVATE KEY'), `the plan names the keys, never key material: ${JSON.stringify(lines)}`);
    // gke-eu runs open-source istiod: its namespace and the istiod Service change.
    const ns = page.locator(`${wizard} .object-diff[data-object="Namespace istio-system"]`);
    expect(await ns.getAttribute('data-change') === 'update', 'istio-system gains the network label');
    await page.getByRole('button', { name: 'Apply plan' }).click();
    await page.locator(`${wizard} .run-summary[data-phase="succeeded"], ${wizard} .run-summary[data-phase="failed"]`)
      .waitFor({ timeout: 90000 });
    const states = await page.locator(`${wizard} ol.install-steps li`).evaluateAll((els) =>
      els.map((e) => `${e.dataset.state}: ${e.querySelector('.step-title').textContent}`));
    expect(states.every((s) => s.startsWith('done:')), `steps ${JSON.stringify(states)}`);
    expect(states.some((s) => s.includes('Issue and write Secret istio-system/cacerts')), JSON.stringify(states));
    const verification = page.locator(`${wizard} [data-testid="verification"]`);
    expect(await verification.getAttribute('data-result') === 'passed', `verification: ${await verification.textContent()}`);
    await page.locator(`${revisionRow('gke-eu', REVISION)} .rev-ready[data-ready="true"]`).waitFor({ timeout: 30000 });
    await screenshot(page, 'installed-istio-ca');
  }],
  ['a manager sees the new revision, read-only, with no install', async (page) => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await headingIs(page, 'Sign in');
    await signIn(page, account('manager'));
    await headingIs(page, 'Mesh');
    const row = page.locator(revisionRow(CLUSTER, REVISION));
    await row.waitFor();
    const text = await row.textContent();
    expect(text.includes('1.10.6-asm.2') && text.includes('Ready'), `manager sees ${JSON.stringify(text)}`);
    expect(await page.locator('.read-only').count() === 1, 'the page says it is read-only for the manager');
    expect(await page.locator(wizard).count() === 0, 'no install wizard for a manager');
    for (const name of ['Next: settings', 'Apply plan', 'Next: review the plan']) {
      expect(await page.getByRole('button', { name }).count() === 0, `no ${name} button`);
    }
    const run = page.locator('table.install-runs tbody tr[data-phase="succeeded"]', { hasText: CLUSTER });
    await run.first().waitFor();
    const runText = await run.first().textContent();
    expect(runText.includes(CLUSTER) && runText.includes(REVISION) && runText.includes('operator'), `install runs: ${JSON.stringify(runText)}`);
    await screenshot(page, 'manager-mesh');
  }],
  ['the security officer rotates the mesh root: both roots reach gke-eu\'s trust bundle, the old one is retiring', async (page) => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await headingIs(page, 'Sign in');
    await signIn(page, account('officer'));
    const mesh = await ensureMeshRoot(page);
    const row = (state) => page.locator(`table.mesh-roots tr[data-mesh="${mesh}"][data-state="${state}"]`);
    // The token outlives runs: a rotation an earlier run left is finished
    // first (nothing in this run's fleet chains to its previous root).
    if (await row('retiring').count() > 0) {
      await row('retiring').getByRole('button', { name: 'Retire' }).click();
      await page.locator('.mesh-root-confirm').getByRole('button', { name: 'Retire root' }).click();
      await row('retiring').waitFor({ state: 'detached' });
    }
    const old = (await meshRoots(page)).find((r) => r.mesh === mesh && r.state === 'active');
    await row('active').getByRole('button', { name: 'Rotate…' }).click();
    const confirm = page.locator('.mesh-root-confirm');
    await confirm.waitFor();
    const asked = await confirm.textContent();
    expect(asked.includes(old.fingerprint) && asked.includes('gke-eu') && asked.includes('root-cert.pem'), `confirmation ${JSON.stringify(asked)}`);
    await confirm.getByRole('button', { name: 'Rotate root' }).click();
    const notice = page.locator('p.notice', { hasText: 'Rotated the root' });
    await notice.waitFor();
    const said = await notice.textContent();
    expect(said.includes('written on gke-eu'), `notice ${JSON.stringify(said)}`);
    await row('retiring').waitFor();
    expect((await row('retiring').textContent()).includes(old.fingerprint), 'the old root is retiring');
    expect(await row('active').getByRole('button', { name: 'Rotate…' }).count() === 0, 'no second rotation while one is underway');
    const roots = await meshRoots(page);
    const now = roots.find((r) => r.mesh === mesh && r.state === 'active');
    expect(now.fingerprint !== old.fingerprint, 'a new root signs');
    const trust = await page.evaluate(async () => (await fetch('/api/trust')).json());
    const eu = trust.clusters.find((c) => c.cluster === 'gke-eu');
    expect(JSON.stringify(eu.trusted_roots) === JSON.stringify([now.fingerprint, old.fingerprint]), `gke-eu trusts ${JSON.stringify(eu.trusted_roots)}`);
    expect(eu.root_fingerprint === old.fingerprint, 'its intermediate still chains to the old root');
    await screenshot(page, 'root-rotated');
  }],
];

await journey('mesh', steps);
