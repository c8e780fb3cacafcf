// Journey (seed 002): an operator deploys the migrated quickstart-instance.
// The spec is checked while typing (an image without registry host names
// its line); the preview on gke-asia-2 (project-b) says project-a's GCR
// needs a JSON key or the gsutil grant; the deploy's pods cannot pull; the
// doctor names the cross-project cause and the grant, and its fix (a
// gcr-json-key pull secret in the pod template) brings the rollout to
// Available; deleting the migration asks first (cancel keeps it), and
// confirmed leaves the list empty.
import { BASE_URL, account, expect, journey, screenshot, signIn } from './lib/browser.mjs';

const IMAGE = 'gcr.io/project-a/quickstart-instance:v1.0.0';
const SPEC = `apiVersion: apps/v1
kind: Deployment
metadata:
  creationTimestamp: null
  labels:
    app: quickstart-instance
  name: quickstart-instance
spec:
  replicas: 1
  selector:
    matchLabels:
      app: quickstart-instance
  strategy: {}
  template:
    metadata:
      creationTimestamp: null
      labels:
        app: quickstart-instance
    spec:
      containers:
      - image: IMAGE
        name: quickstart-instance
        resources: {}
status: {}
`;
const KEY = JSON.stringify({
  type: 'service_account',
  project_id: 'project-a',
  private_key_id: '4f2c',
  private_key: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n',
  client_email: 'm4a-install@project-a.iam.gserviceaccount.com',
});
const GRANT = 'gsutil iam ch serviceAccount:739104825531-compute@developer.gserviceaccount.com:objectViewer gs://artifacts.project-a.appspot.com';
const row = 'table.migrations tr[data-migration="quickstart-instance"]';

async function until(page, what, fn, arg) {
  try {
    await page.waitForFunction(fn, arg, { timeout: 30000 });
  } catch {
    const seen = await page.evaluate(() => document.querySelector('main')?.innerText?.slice(0, 1500));
    throw new Error(`${what}; page shows ${JSON.stringify(seen)}`);
  }
}

const steps = [
  ['sign in as the operator and open Workloads', async (page) => {
    await page.goto(BASE_URL + '/workloads');
    await signIn(page, account('operator'));
    await page.waitForURL('**/workloads');
    await page.locator('main h1', { hasText: 'Workloads' }).waitFor();
    await page.locator('form.deploy-form').waitFor();
  }],
  ['an untouched form is quiet; a preview attempt names the missing spec and focuses it', async (page) => {
    expect(await page.locator('form.deploy-form .field-problem').count() === 0, 'an untouched form shows problems');
    await page.locator('button[name="preview"]').click();
    await page.locator('form.deploy-form [data-field="spec"] .field-problem').waitFor();
    expect(await page.locator('.workload-preview').count() === 0, 'an empty form was previewed');
    const focused = await page.evaluate(() => document.activeElement?.getAttribute('name'));
    expect(focused === 'spec', `focus is on ${focused}`);
  }],
  ['an image without registry host is refused with its line', async (page) => {
    await page.locator('textarea[name="spec"]').fill(SPEC.replace('IMAGE', 'quickstart-instance:v1.0.0'));
    const issue = await page.locator('.spec-issues li').first().textContent();
    expect(issue.startsWith('line 21: image "quickstart-instance:v1.0.0" does not name its registry host'), issue);
    expect(await page.locator('button[name="preview"]').isDisabled(), 'preview is disabled for an invalid spec');
  }],
  ['the preview on gke-asia-2 shows the registry need and the grant', async (page) => {
    await page.locator('textarea[name="spec"]').fill(SPEC.replace('IMAGE', IMAGE));
    const images = await page.locator('.spec-ok').textContent();
    expect(images.includes(IMAGE), images);
    await until(page, 'gke-asia-2 among the target clusters',
      () => !!document.querySelector('select[name="cluster"] option[value="gke-asia-2"]'));
    await page.locator('select[name="cluster"]').selectOption('gke-asia-2');
    await page.locator('button[name="preview"]').click();
    await page.locator('.workload-preview').waitFor();
    const need = page.locator('.registries li[data-registry="gcr.io/project-a"]');
    expect(await need.locator('[data-need="pull_secret"]').count() === 1, await need.textContent());
    expect((await need.locator('pre.command').textContent()) === GRANT, await need.textContent());
    const diffs = await page.locator('.object-diff').evaluateAll((els) => els.map((e) => e.dataset.object));
    expect(JSON.stringify(diffs) === JSON.stringify(['Deployment default/quickstart-instance']), JSON.stringify(diffs));
    await screenshot(page, 'preview');
  }],
  ['deploying fails to pull: the rollout is marked failed', async (page) => {
    await page.locator('button[name="deploy"]').click();
    await page.locator(row).waitFor();
    await until(page, 'the rollout failed',
      (r) => document.querySelector(r)?.dataset.state === 'failed', row);
  }],
  ['the doctor names the cross-project cause and the grant', async (page) => {
    await page.locator(`${row} button.link`).click();
    await page.locator('.doctor button[name="doctor"]').click();
    const diagnosis = page.locator('.diagnosis[data-cause="cross_project"]').first();
    await diagnosis.waitFor();
    const command = await diagnosis.locator('pre.command').textContent();
    expect(command === GRANT, command);
    const explanation = await diagnosis.locator('.explanation').textContent();
    expect(explanation.includes('project-b') && explanation.includes('739104825531-compute@developer.gserviceaccount.com'), explanation);
    await screenshot(page, 'doctor');
  }],
  ['the offered pull secret fixes the rollout', async (page) => {
    const form = page.locator('form.fix-form').first();
    await form.locator('textarea[name="fix-json-key"]').fill(KEY);
    await form.locator('button[name="fix"]').click();
    await until(page, 'the rollout is available',
      (r) => document.querySelector(r)?.dataset.state === 'available', row);
    await screenshot(page, 'available');
  }],
  ['deleting the migration asks first naming its cluster and objects; cancel keeps it', async (page) => {
    await page.locator(`${row} button[name="delete-migration"]`).click();
    const dialog = page.locator('[data-testid="confirm-dialog"]');
    await dialog.waitFor();
    const asked = await dialog.textContent();
    expect(asked.includes('gke-asia-2/default') && asked.includes('Deployment/quickstart-instance'), `delete confirmation ${JSON.stringify(asked)}`);
    await dialog.locator('button[data-action="cancel"]').click();
    await dialog.waitFor({ state: 'detached' });
    const kept = await page.evaluate(async () => (await (await fetch('/api/workloads/migrations')).json()).map((s) => s.migration.name));
    expect(kept.includes('quickstart-instance'), `cancel deleted the migration: ${JSON.stringify(kept)}`);
    await page.locator(row).waitFor();
  }],
  ['confirming the delete removes it', async (page) => {
    await page.locator(`${row} button[name="delete-migration"]`).click();
    await page.locator('[data-testid="confirm-dialog"] button[data-action="confirm"]').click();
    await until(page, 'the migration is gone', () => !document.querySelector('table.migrations'));
    const text = await page.locator('main').textContent();
    expect(text.includes('No migration deployed yet.'), text.slice(0, 500));
  }],
];

await journey('workloads', steps);
