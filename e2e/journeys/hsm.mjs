// Journey: seed 004's ceremony. An operator installs asm-1106-2 on
// onprem-vmware-1 with the istiod CA key in the HSM: the HSM fields appear
// with the console's Vault, the slot is provisioned from the wizard (a
// label unique to the run: SoftHSM2's tokens outlive the dev Vault), the
// KEK id appears, preflight's CA check passes on the console's check of
// the slot, the plan is applied and the run ends with istiod waiting for
// the officer. The security officer finds istiod's HSM request in the live
// inbox (decoded: SPIFFE id, CA:TRUE), sees why it cannot be decrypted
// while Vault lacks the PIN, types a reason that survives the inbox's
// refresh, approves without downloading anything; the request
// leaves the inbox, and kubectl sees secret istio-ca-cert and istiod 3/3.
// First the officer makes sure the mesh root exists (issue 21: only an
// officer creates it, on Security → Mesh roots; HSM preflight fails
// without it).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE_URL, account, ensureMeshRoot, expect, journey, screenshot, signIn } from './lib/browser.mjs';

const CLUSTER = 'onprem-vmware-1';
const REVISION = 'asm-1106-2';
const RUN = Math.random().toString(36).slice(2, 10);
// A further slot of the cluster (its own slots are asm-<cluster>[.<suffix>]).
const SLOT = `asm-${CLUSTER}.e${RUN}`;
const SECRET_PATH = `${SLOT}/hsm`;
const REASON = 'blue/bar keeps its port name until the app team renames it next sprint';
const KUBECTL = process.env.KUBECTL;
const KUBECONFIG = process.env.KUBECONFIG;
const WORK = mkdtempSync(join(tmpdir(), 'meshdeck-hsm-'));
// The dev Vault, for the test to take the slot's PIN away and give it back
// (the browser never sees this token or the PIN).
const VAULT_ADDR = process.env.VAULT_ADDR;
const VAULT_TOKEN = process.env.VAULT_TOKEN;

const wizard = '[data-testid="install-wizard"]';
const input = (page, name) => page.locator(`${wizard} input[name="${name}"]`);
// The seeds' release, picked from the wizard's release catalogue (the
// wizard offers a current release first); the revision follows it.
const SEED_VERSION = '1.10.6-asm.2';
const pickSeedRelease = async (page) => {
  await page.locator(`${wizard} select[name="release"]`).selectOption(SEED_VERSION);
  await page.waitForFunction(([w, r]) => document.querySelector(`${w} input[name="revision"]`)?.value === r, [wizard, REVISION]);
};
const field = (page, name) => page.locator(`${wizard} .field[data-field="${name}"]`);
const hsmCard = `.csr-request[data-source="istiod_hsm"][data-cluster="${CLUSTER}"]`;
let kekId = '';

function kubectl(...args) {
  return execFileSync(KUBECTL, ['--context', CLUSTER, '--cache-dir', join(WORK, 'cache'), ...args], {
    env: { ...process.env, KUBECONFIG },
    encoding: 'utf8',
    timeout: 30000,
  });
}

/// The KV v2 secret at `path` under mount `secret` (`kind` data or
/// metadata): `GET` returns its data.
async function vault(method, kind, path, data) {
  const response = await fetch(`${VAULT_ADDR}/v1/secret/${kind}/${path}`, {
    method,
    headers: { 'X-Vault-Token': VAULT_TOKEN, 'content-type': 'application/json' },
    body: data === undefined ? undefined : JSON.stringify({ data }),
  });
  if (!response.ok) throw new Error(`Vault ${method} ${path}: HTTP ${response.status}`);
  return response.status === 204 ? null : response.json();
}

async function stepIs(page, step) {
  await page.locator(`${wizard} .wizard-steps li[aria-current="step"][data-step="${step}"]`).waitFor();
}

const steps = [
  ['the security officer makes sure the mesh root is in the HSM token', async (page) => {
    await page.goto(BASE_URL + '/security');
    await signIn(page, account('officer'));
    await ensureMeshRoot(page);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Password').waitFor();
  }],
  ['the operator picks onprem-vmware-1 and chooses HSM: four fields, the console\'s Vault', async (page) => {
    await page.goto(BASE_URL + '/mesh');
    await signIn(page, account('operator'));
    await page.locator(wizard).waitFor();
    await page.locator(`${wizard} select[name="cluster"] option[value="${CLUSTER}"]:not([disabled])`).waitFor({ state: 'attached' });
    await page.locator(`${wizard} select[name="cluster"]`).selectOption(CLUSTER);
    await page.getByRole('button', { name: 'Next: settings' }).click();
    await stepIs(page, 'settings');
    await pickSeedRelease(page);
    await page.locator(`${wizard} .choice[data-ca="hsm"] input`).check();
    await page.locator(`${wizard} [data-testid="hsm-settings"]`).waitFor();
    for (const name of ['hsm_slot_label', 'hsm_kek_id', 'hsm_vault_addr', 'hsm_secret_path']) {
      await input(page, name).waitFor();
    }
    expect(await input(page, 'hsm_slot_label').inputValue() === `asm-${CLUSTER}`, 'the slot label is suggested from the cluster');
    // The Vault address arrives with the install context.
    await page.waitForFunction((w) => document.querySelector(`${w} input[name="hsm_vault_addr"]`)?.value?.startsWith('http://127.0.0.1:'), wizard);
    const kek = await field(page, 'hsm_kek_id').locator('.field-problem').textContent();
    expect(kek.includes('no KEK id yet'), `KEK problem ${JSON.stringify(kek)}`);
    expect(await page.getByRole('button', { name: 'Next: preflight' }).isDisabled(), 'no KEK, no next step');
    const pinFields = await page.locator(`${wizard} input[type="password"], ${wizard} input[name*="pin"]`).count();
    expect(pinFields === 0, 'no PIN field anywhere');
  }],
  ['a bad slot label shows on its field and disables provisioning', async (page) => {
    await input(page, 'hsm_slot_label').fill('x'.repeat(33));
    await field(page, 'hsm_slot_label').locator('.field-problem').waitFor();
    expect(await page.getByRole('button', { name: 'Provision HSM slot' }).isDisabled(), 'provisioning needs a good label');
    await input(page, 'hsm_slot_label').fill(SLOT);
    await input(page, 'hsm_secret_path').fill(SECRET_PATH);
    await field(page, 'hsm_slot_label').locator('.field-problem').waitFor({ state: 'detached' });
  }],
  ['half-pasted network HSM credentials are named and hold provisioning back', async (page) => {
    await page.locator(`${wizard} .hsm-network summary`).click();
    const key = page.locator(`${wizard} textarea[name="hsm-client-key"]`);
    await key.fill('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----');
    const problems = page.locator(`${wizard} [data-testid="hsm-network-problems"]`);
    await problems.waitFor();
    const said = await problems.textContent();
    expect(said.includes('the client certificate must be one PEM CERTIFICATE block')
      && said.includes('the client key must be a PEM PRIVATE KEY block'), `problems ${JSON.stringify(said)}`);
    expect(await page.getByRole('button', { name: 'Provision HSM slot' }).isDisabled(), 'not with half the credentials');
    await key.fill('');
    await problems.waitFor({ state: 'detached' });
    expect(!(await page.getByRole('button', { name: 'Provision HSM slot' }).isDisabled()), 'SoftHSM2 needs none');
  }],
  ['provisions the slot: initialised, KEK generated, credentials stored; the KEK id appears', async (page) => {
    await page.getByRole('button', { name: 'Provision HSM slot' }).click();
    const done = page.locator(`${wizard} .hsm-provisioned`);
    await done.waitFor({ timeout: 30000 });
    const text = await done.textContent();
    expect(text.includes(CLUSTER) && text.includes(SLOT) && text.includes(SECRET_PATH), `outcome ${JSON.stringify(text)}`);
    for (const what of ['slot', 'kek', 'credentials']) {
      expect(await done.locator(`li[data-outcome="${what}"]`).getAttribute('data-done') === 'true', `${what} done now: ${text}`);
    }
    const login = await done.locator('li[data-outcome="vault-login"]').textContent();
    expect(login.includes(`auth/${SECRET_PATH}/login`) && login.includes('role istiod')
      && login.includes('kube-system/meshdeck-vault-token-reviewer'), `istiod's Vault login ${JSON.stringify(login)}`);
    kekId = await input(page, 'hsm_kek_id').inputValue();
    expect(/^[0-9a-f-]{36}$/.test(kekId) && text.includes(kekId), `KEK id ${JSON.stringify(kekId)} in ${text}`);
    expect(!/pin\s*[:=]/i.test(await page.locator(wizard).textContent()), 'no PIN shown');
    await page.locator(`${wizard} .hsm-readiness[data-state="ready"]`).waitFor({ timeout: 20000 });
    await screenshot(page, 'hsm-provisioned');
  }],
  ['a secret path where Vault has no PIN is found by the check, refused by provisioning, and fixed', async (page) => {
    await input(page, 'hsm_secret_path').fill(`${SLOT}/elsewhere`);
    const problem = page.locator(`${wizard} .hsm-readiness[data-state="problem"]`);
    await problem.waitFor({ timeout: 20000 });
    const said = await problem.textContent();
    expect(said.includes('no HSM PIN') && said.includes(`${SLOT}/elsewhere`), `check says ${JSON.stringify(said)}`);
    expect(Number(await page.locator(`${wizard} .preflight-now`).getAttribute('data-fail')) >= 2, 'preflight now fails the CA mode too');
    // The slot exists with the PIN kept at the other path: provisioning it
    // again for this path is refused where the operator clicked.
    await page.getByRole('button', { name: 'Provision HSM slot' }).click();
    const refused = page.locator(`${wizard} .hsm-provision .error-view`);
    await refused.waitFor({ timeout: 20000 });
    const why = await refused.textContent();
    expect(why.includes(SLOT) && why.includes(CLUSTER), `refusal ${JSON.stringify(why)}`);
    expect(await page.locator(`${wizard} .hsm-provisioned`).count() === 0, 'the earlier outcome is replaced by the refusal');
    expect(await input(page, 'hsm_kek_id').inputValue() === kekId, 'the KEK id stays');
    await input(page, 'hsm_secret_path').fill(SECRET_PATH);
    await page.locator(`${wizard} .hsm-readiness[data-state="ready"]`).waitFor({ timeout: 20000 });
  }],
  ['preflight: the CA check passes on the checked slot; the port name needs an override', async (page) => {
    await page.getByRole('button', { name: 'Next: preflight' }).click();
    await stepIs(page, 'preflight');
    const ca = page.locator(`${wizard} li.check[data-check="ca_mode"]`);
    await ca.waitFor();
    const text = await ca.textContent();
    expect(await ca.getAttribute('data-verdict') === 'pass', `CA check: ${text}`);
    expect(text.includes(SLOT) && text.includes(kekId), `the CA check names the slot and KEK: ${text}`);
    await page.locator(`${wizard} [data-testid="override"][data-check="service_port_names"] textarea`).fill(REASON);
    await screenshot(page, 'hsm-preflight');
    await page.getByRole('button', { name: 'Next: review the plan' }).click();
    await stepIs(page, 'plan');
  }],
  ['the plan runs istiod with hsm-plugin and vault-client; applying ends waiting for the officer', async (page) => {
    const block = page.locator(`${wizard} .object-diff[data-object="Deployment istio-system/istiod-${REVISION}"]`);
    await block.waitFor({ timeout: 30000 });
    await block.locator('summary').click();
    const lines = await block.locator('pre.diff').textContent();
    expect(lines.includes('hsm-plugin') && lines.includes('vault-client') && lines.includes(kekId) && lines.includes(SLOT), 'istiod gets the HSM sidecars with the slot and KEK');
    expect(lines.includes('ISTIOD_RA_HSM'), 'discovery runs in HSM mode');
    await page.getByRole('button', { name: 'Apply plan' }).click();
    await page.locator(`${wizard} .run-summary[data-phase="succeeded"], ${wizard} .run-summary[data-phase="failed"]`)
      .waitFor({ timeout: 120000 });
    const states = await page.locator(`${wizard} ol.install-steps li`).evaluateAll((els) =>
      els.map((e) => `${e.dataset.state}: ${e.querySelector('.step-title').textContent}`));
    const shown = JSON.stringify(states);
    expect(states.every((s) => s.startsWith('done:')), `steps ${shown}`);
    expect(states.some((s) => s.includes(`Wait for istiod-${REVISION} to ask for its CA certificate`)), shown);
    const verification = page.locator(`${wizard} [data-testid="verification"]`);
    const said = await verification.textContent();
    expect(await verification.getAttribute('data-result') === 'passed' && said.includes("security officer's inbox"), `verification: ${said}`);
    const pod = JSON.parse(kubectl('get', 'pods', '-n', 'istio-system', '-l', `app=istiod,istio.io/rev=${REVISION}`, '-o', 'json')).items[0];
    const ready = (pod?.status?.containerStatuses ?? []).filter((c) => c.ready).length;
    expect(ready === 2 && pod.spec.containers.length === 3, `istiod waits at ${ready}/${pod?.spec?.containers?.length}`);
    await screenshot(page, 'hsm-installed');
  }],
  ['the security officer sees istiod\'s HSM request, decoded, with the badge', async (page) => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page, account('officer'));
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Security', exact: true }).click();
    await page.waitForURL('**/security');
    const card = page.locator(hsmCard);
    await card.waitFor({ timeout: 20000 });
    const text = await card.textContent();
    expect(text.includes('istiod HSM request') && text.includes(REVISION) && text.includes(SLOT) && text.includes(kekId), `card ${JSON.stringify(text)}`);
    expect(text.includes(`/ns/istio-system/sa/istiod-${REVISION}`) && text.includes('spiffe://'), `SPIFFE id in ${JSON.stringify(text)}`);
    expect(text.includes('CA:TRUE') && text.includes('pathLen 0') && text.includes('EC P-256'), `CA request in ${JSON.stringify(text)}`);
    expect(await card.locator('.check-fail').count() === 0 && await card.locator('.check-pass').count() >= 1, 'every check passes');
    expect(await card.locator('.csr-problem').count() === 0, 'decrypted without a problem');
    const badge = page.locator('nav.sections .csr-badge');
    await badge.waitFor();
    expect(Number(await badge.textContent()) >= 1, `badge ${await badge.textContent()}`);
    await screenshot(page, 'hsm-inbox');
  }],
  ['while Vault has no PIN for the slot, the request says so on its cluster and cannot be approved', async (page) => {
    const saved = (await vault('GET', 'data', SECRET_PATH)).data.data;
    // Every version and the metadata: as if the secret was never written.
    await vault('DELETE', 'metadata', SECRET_PATH);
    const card = page.locator(hsmCard);
    const problem = card.locator('.csr-problem');
    try {
      await problem.waitFor({ timeout: 15000 });
      const said = await problem.textContent();
      expect(said.includes('no HSM PIN') && said.includes(SECRET_PATH) && said.includes(CLUSTER), `problem ${JSON.stringify(said)}`);
      expect(await card.getByRole('button', { name: 'Approve and sign' }).isDisabled(), 'an undecryptable request cannot be approved');
      await screenshot(page, 'hsm-inbox-no-pin');
    } finally {
      await vault('POST', 'data', SECRET_PATH, saved);
    }
    await problem.waitFor({ state: 'detached', timeout: 15000 });
    expect(!(await card.getByRole('button', { name: 'Approve and sign' }).isDisabled()), 'approvable again once Vault has the PIN');
  }],
  ['a reason typed on the request survives the inbox\'s refresh', async (page) => {
    const reason = page.locator(`${hsmCard} input[name="deny-reason"]`);
    await reason.fill('still thinking');
    await page.waitForResponse((r) => new URL(r.url()).pathname === '/api/csrs' && r.ok(), { timeout: 12000 });
    await page.waitForTimeout(300);
    expect(await reason.inputValue() === 'still thinking', `reason now ${JSON.stringify(await reason.inputValue())}`);
    expect(await reason.evaluate((e) => e === document.activeElement), 'the reason field keeps the focus');
    await reason.fill('');
  }],
  ['one officer\'s approval is recorded and nothing is written yet', async (page) => {
    const card = page.locator(hsmCard);
    await card.getByRole('button', { name: 'Approve and sign' }).click();
    const recorded = page.locator('.notice[role="status"]');
    await recorded.waitFor({ timeout: 30000 });
    const said = await recorded.textContent();
    expect(said.includes('Approval recorded: 1 of 2'), `notice ${JSON.stringify(said)}`);
    let written = true;
    try { kubectl('get', 'secret', 'istio-ca-cert', '-n', 'istio-system'); } catch { written = false; }
    expect(!written, 'one officer alone wrote nothing');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page, account('officer2'));
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Security', exact: true }).click();
    await page.waitForURL('**/security');
  }],
  ['offline: the request downloads as PEM; the second officer\'s foreign chain (another key, another root) is refused on its card', async (page) => {
    const card = page.locator(hsmCard);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      card.locator('a.csr-download').click(),
    ]);
    const pem = readFileSync(await download.path(), 'utf8');
    expect(pem.startsWith('-----BEGIN CERTIFICATE REQUEST-----') && pem.trim().endsWith('-----END CERTIFICATE REQUEST-----'),
      `downloaded ${JSON.stringify(pem.slice(0, 60))}`);
    // The sandbox's own CA: a real certificate, of another key than the
    // request's and not under the mesh root.
    const foreign = Buffer.from(kubectl('config', 'view', '--raw', '--minify', '-o',
      'jsonpath={.clusters[0].cluster.certificate-authority-data}'), 'base64').toString();
    expect(foreign.includes('BEGIN CERTIFICATE'), 'a foreign certificate to upload');
    await card.locator('textarea[name="chain"]').fill(foreign);
    await card.getByRole('button', { name: 'Check and write chain' }).click();
    const refused = card.locator('.error-view');
    await refused.waitFor({ timeout: 20000 });
    const said = await refused.textContent();
    expect(said.includes(CLUSTER) && said.includes('another key'), `the refusal names the cluster and why: ${JSON.stringify(said)}`);
    let written = true;
    try { kubectl('get', 'secret', 'istio-ca-cert', '-n', 'istio-system'); } catch { written = false; }
    expect(!written, 'nothing was written');
    await card.locator('textarea[name="chain"]').fill('');
    await screenshot(page, 'hsm-offline-refused');
  }],
  ['the second officer approves: signed with the mesh root, the request leaves the inbox', async (page) => {
    const card = page.locator(hsmCard);
    await card.getByRole('button', { name: 'Approve and sign' }).click();
    const done = page.locator('.notice[role="status"]');
    await done.waitFor({ timeout: 30000 });
    const said = await done.textContent();
    expect(said.includes('Signed istio-system.istio-ca-cert-csr') && said.includes(CLUSTER) && said.includes('serial'), `notice ${JSON.stringify(said)}`);
    await card.waitFor({ state: 'detached', timeout: 20000 });
    // The inbox's change refreshes the badge at once, not at its next poll.
    await page.locator('nav.sections .csr-badge').waitFor({ state: 'detached', timeout: 4000 });
    await screenshot(page, 'hsm-approved');
  }],
  ['kubectl: secret istio-ca-cert holds the chain and istiod becomes 3/3 Ready', async () => {
    const secret = JSON.parse(kubectl('get', 'secret', 'istio-ca-cert', '-n', 'istio-system', '-o', 'json'));
    const chain = Buffer.from(secret.data['cert-chain.pem'], 'base64').toString();
    expect((chain.match(/BEGIN CERTIFICATE/g) || []).length >= 2, 'istiod\'s certificate and the mesh root');
    let seen = '';
    for (let i = 0; i < 60; i += 1) {
      const pods = JSON.parse(kubectl('get', 'pods', '-n', 'istio-system', '-l', `app=istiod,istio.io/rev=${REVISION}`, '-o', 'json')).items;
      seen = pods.map((p) => `${p.metadata.name} ${(p.status.containerStatuses ?? []).filter((c) => c.ready).length}/${p.spec.containers.length}`).join(', ');
      if (pods.length > 0 && pods.every((p) => (p.status.containerStatuses ?? []).filter((c) => c.ready).length === 3)) return;
      await new Promise((r) => setTimeout(r, 1000));
    }
    throw new Error(`istiod not 3/3 Ready: ${seen}`);
  }],
];

// 409: provisioning refused on purpose (the slot's PIN is elsewhere).
await journey('hsm', steps, { expectedStatuses: [400, 409] });
