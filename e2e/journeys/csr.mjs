// Journey: istiod's CA request reaches the security officer's inbox (made
// with real kubectl), shows its decoded view and passing checks and a badge
// in the navigation; the officer approves it in the browser and kubectl
// sees it Approved with the signed chain. The mesh root that signs it is
// the officer's to create (issue 21), on Security → Mesh roots, first.
// A workload's request is then denied: cancelling the confirmation leaves
// it pending (kubectl), confirming marks it Denied and lists it among the
// decided requests with the officer and the reason.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE_URL, account, ensureMeshRoot, expect, journey, screenshot, signIn } from './lib/browser.mjs';

const KUBECTL = process.env.KUBECTL;
const KUBECONFIG = process.env.KUBECONFIG;
const WORK = mkdtempSync(join(tmpdir(), 'meshdeck-csr-'));
const NAME = `istiod-ca-${Date.now()}`;
const DENIED = `web-${Date.now()}`;
const ISTIOD = 'system:serviceaccount:istio-system:istiod-service-account';

function kubectl(input, ...args) {
  return execFileSync(KUBECTL, ['--context', 'gke-eu', '--cache-dir', join(WORK, 'cache'), ...args], {
    env: { ...process.env, KUBECONFIG },
    encoding: 'utf8',
    timeout: 30000,
    input,
  });
}

/// A P-256 CA request for istiod's SPIFFE id in `trustDomain`, PEM.
function istiodRequest(trustDomain) {
  execFileSync('openssl', [
    'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', join(WORK, 'key.pem'), '-out', join(WORK, 'csr.pem'), '-subj', '/O=meshdeck-e2e',
    '-addext', `subjectAltName=URI:spiffe://${trustDomain}/ns/istio-system/sa/istiod-service-account`,
    '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:0',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  return readFileSync(join(WORK, 'csr.pem'));
}

/// A P-256 workload request for `default/web` in `trustDomain`, PEM.
function workloadRequest(trustDomain) {
  execFileSync('openssl', [
    'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', join(WORK, 'web-key.pem'), '-out', join(WORK, 'web.pem'), '-subj', '/O=meshdeck-e2e',
    '-addext', `subjectAltName=URI:spiffe://${trustDomain}/ns/default/sa/web`,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  return readFileSync(join(WORK, 'web.pem'));
}

function conditions(name) {
  const csr = JSON.parse(kubectl(undefined, 'get', 'csr', name, '-o', 'json'));
  return (csr.status?.conditions ?? []).map((c) => c.type);
}

const steps = [
  ['istiod asks for a CA with kubectl; the officer sees the badge', async (page) => {
    await page.goto(BASE_URL + '/');
    await signIn(page, account('officer'));
    await page.waitForURL('**/fleet');
    await ensureMeshRoot(page);
    const fleet = await page.evaluate(async () => (await fetch('/api/fleet')).json());
    const request = istiodRequest(`${fleet.project}.svc.id.goog`);
    const manifest = JSON.stringify({
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { name: NAME },
      spec: { request: request.toString('base64'), signerName: 'istio.io/mesh-root', username: ISTIOD, usages: ['cert sign', 'crl sign'] },
    });
    kubectl(manifest, 'create', '-f', '-');
    await page.reload();
    const badge = page.locator('nav.sections .csr-badge');
    await badge.waitFor();
    expect(Number(await badge.textContent()) >= 1, `badge ${await badge.textContent()}`);
  }],
  ['the inbox shows the decoded request and its checks', async (page) => {
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Security', exact: true }).click();
    await page.waitForURL('**/security');
    const card = page.locator(`.csr-request[data-name="${NAME}"]`);
    await card.waitFor();
    const text = await card.textContent();
    expect(text.includes('EC P-256') && text.includes('pathLen 0') && text.includes(ISTIOD), `card ${JSON.stringify(text)}`);
    expect(await card.locator('.check-pass').count() === 4, 'four passing checks');
    expect(await card.locator('.check-fail').count() === 0, 'no failing check');
    await screenshot(page, 'csr-inbox');
  }],
  ['the first approval is recorded; the mesh root needs a second officer', async (page) => {
    const card = page.locator(`.csr-request[data-name="${NAME}"]`);
    await card.getByRole('button', { name: 'Approve and sign' }).click();
    const recorded = page.locator('.notice[role="status"]');
    await recorded.waitFor();
    const said = await recorded.textContent();
    expect(said.includes('Approval recorded: 1 of 2'), `notice ${JSON.stringify(said)}`);
    const csr = JSON.parse(kubectl(undefined, 'get', 'csr', NAME, '-o', 'json'));
    expect(!csr.status.certificate && !(csr.status.conditions ?? []).length, `nothing signed yet: ${JSON.stringify(csr.status)}`);
    await card.locator('.approvals', { hasText: '1 of 2 approvals (officer)' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page, account('officer2'));
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Security', exact: true }).click();
    await page.waitForURL('**/security');
  }],
  ['the second officer approves: signed with the mesh root and kubectl sees it', async (page) => {
    const card = page.locator(`.csr-request[data-name="${NAME}"]`);
    await card.getByRole('button', { name: 'Approve and sign' }).click();
    const done = page.locator('.notice[role="status"]');
    await done.waitFor();
    const said = await done.textContent();
    expect(said.includes(`Signed ${NAME}`) && said.includes('serial'), `notice ${JSON.stringify(said)}`);
    const csr = JSON.parse(kubectl(undefined, 'get', 'csr', NAME, '-o', 'json'));
    expect(csr.status.conditions.map((c) => c.type).join() === 'Approved', JSON.stringify(csr.status.conditions));
    const chain = Buffer.from(csr.status.certificate, 'base64').toString();
    expect((chain.match(/BEGIN CERTIFICATE/g) || []).length === 2, 'certificate and mesh root');
    await card.waitFor({ state: 'detached' });
    await screenshot(page, 'csr-approved');
  }],
  ['a workload request denied with Cancel stays pending', async (page) => {
    const fleet = await page.evaluate(async () => (await fetch('/api/fleet')).json());
    const request = workloadRequest(`${fleet.project}.svc.id.goog`);
    kubectl(JSON.stringify({
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { name: DENIED },
      spec: { request: request.toString('base64'), signerName: 'istio.io/workload', username: 'alice', usages: ['digital signature'] },
    }), 'create', '-f', '-');
    const card = page.locator(`.csr-request[data-name="${DENIED}"]`);
    await card.waitFor();
    await card.locator('input[name="deny-reason"]').fill('not a workload of ours');
    await card.getByRole('button', { name: 'Deny', exact: true }).click();
    const dialog = card.getByRole('dialog');
    await dialog.waitFor();
    const asked = await dialog.textContent();
    expect(asked.includes(`CertificateSigningRequest ${DENIED}`) && asked.includes('gke-eu') && asked.includes('not a workload of ours'),
      `the confirmation names cluster, request and reason: ${JSON.stringify(asked)}`);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(conditions(DENIED).length === 0, `still pending after Cancel: ${conditions(DENIED)}`);
    expect(await page.locator(`tr.csr-decided[data-name="${DENIED}"]`).count() === 0, 'not in the history');
  }],
  ['confirmed, the denial reaches kubectl and the history', async (page) => {
    const card = page.locator(`.csr-request[data-name="${DENIED}"]`);
    await card.getByRole('button', { name: 'Deny', exact: true }).click();
    await card.getByRole('dialog').getByRole('button', { name: 'Deny the request' }).click();
    await card.waitFor({ state: 'detached' });
    expect(conditions(DENIED).join() === 'Denied', `kubectl sees it denied: ${conditions(DENIED)}`);
    const row = page.locator(`tr.csr-decided[data-name="${DENIED}"]`);
    await row.waitFor();
    const text = await row.textContent();
    expect(await row.getAttribute('data-verdict') === 'denied' && text.includes('Denied') && text.includes('officer2')
      && text.includes('not a workload of ours') && text.includes('gke-eu'), `history row ${JSON.stringify(text)}`);
    const signed = page.locator(`tr.csr-decided[data-name="${NAME}"][data-verdict="signed"]`);
    expect(await signed.count() === 1, 'the signed request is listed too');
    await screenshot(page, 'csr-history');
  }],
];

await journey('csr', steps);
