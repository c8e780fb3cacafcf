// Journey: an operator creates the MultiClusterService and
// MultiClusterIngress of seed 003 in the console. The editor reviews them
// in the browser on every keystroke (errors on their fields once touched
// or a review attempted; an untouched form is quiet), the server
// shows a dry-run diff before the apply, the MCS page's selection preview
// shows gke-eu and gke-asia-1 selected with derived Services and
// gke-asia-2 excluded, and after deselecting gke-asia-1 its derived Service
// goes; the ingress gets a VIP and its routing preview.
import { BASE_URL, account, expect, journey, screenshot, signIn } from './lib/browser.mjs';

const EU = 'europe-west1-c/gke-eu';
const ASIA_1 = 'asia-northeast1-a/gke-asia-1';

const member = (name) => `[data-testid="preview-member-${name}"]`;

/// Waits for the preview card of `name` to show `selection` and `derived`
/// (the page refreshes its preview every two seconds).
async function memberIs(page, name, selection, derived) {
  const sel = `${member(name)}[data-selection="${selection}"][data-derived="${derived}"]`;
  await page.locator(sel).waitFor({ timeout: 30000 }).catch(async () => {
    const seen = await page.locator(member(name)).first().evaluate((e) => `${e.dataset.selection}/${e.dataset.derived}`).catch(() => 'absent');
    throw new Error(`${name} is ${seen}, expected ${selection}/${derived}`);
  });
}

async function fieldErrors(page) {
  return page.locator('[data-testid="field-error"]').evaluateAll((es) => es.map((e) => `${e.dataset.field}: ${e.textContent}`));
}

async function reviewAndApply(page) {
  await page.getByTestId('review-button').click();
  await page.getByTestId('diff').waitFor();
  await page.getByTestId('apply-button').click();
}

const BAR = [
  'apiVersion: networking.gke.io/v1',
  'kind: MultiClusterService',
  'metadata:',
  '  name: bar',
  '  namespace: blue',
  'spec:',
  '  template:',
  '    spec:',
  '      selector:',
  '        app: bar',
  '      ports:',
  '      - name: web',
  '        protocol: TCP',
  '        port: 80',
  '        targetPort: 80',
].join('\n');

// Seed 003's MultiClusterIngress, as the seed writes it.
const SEED_INGRESS = [
  'apiVersion: networking.gke.io/v1',
  'kind: MultiClusterIngress',
  'metadata:',
  '  name: foobar-ingress',
  '  namespace: blue',
  'spec:',
  '  template:',
  '    spec:',
  '      backend:',
  '        serviceName: default-backend',
  '        servicePort: 80',
  '      rules:',
  '      - host: foo.example.com',
  '        backend:',
  '          serviceName: foo',
  '          servicePort: 80',
  '      - host: bar.example.com',
  '        backend:',
  '          serviceName: bar',
  '          servicePort: 80',
].join('\n');

/// `GET path` through the signed-in page, as JSON.
async function api(page, path) {
  return page.evaluate(async (p) => (await fetch(p)).json(), path);
}

/// The shared confirmation: waits for it, returns its whole text.
async function confirmation(page) {
  const dialog = page.getByTestId('confirm-dialog');
  await dialog.waitFor();
  return dialog.textContent();
}

async function answer(page, action) {
  await page.locator(`[data-testid="confirm-dialog"] button[data-action="${action}"]`).click();
  if (action === 'cancel') await page.getByTestId('confirm-dialog').waitFor({ state: 'detached' });
}

const steps = [
  ['sign in as the operator and open Ingress', async (page) => {
    await page.goto(BASE_URL + '/');
    await signIn(page, account('operator'));
    await page.waitForURL('**/fleet');
    await page.goto(BASE_URL + '/ingress');
    await page.getByTestId('mcs-list').waitFor();
    const quota = await page.getByTestId('quota-mcs').textContent();
    expect(quota.includes('0 / 100'), `quota says ${JSON.stringify(quota)}`);
    const config = await page.getByTestId('config-cluster-name').textContent();
    expect(config === 'gke-us', `config cluster ${config}`);
  }],
  ['a new MCS form is quiet until a review is attempted, which shows the errors and focuses the first', async (page) => {
    await page.getByTestId('new-mcs').click();
    await page.getByTestId('mcs-form').waitFor();
    await page.getByTestId(`link-${EU}`).waitFor();
    expect((await fieldErrors(page)).length === 0, `an untouched form shows ${JSON.stringify(await fieldErrors(page))}`);
    await page.getByTestId('review-button').click();
    await page.locator('[data-testid="field-error"][data-field="metadata.name"]').waitFor();
    expect(await page.getByTestId('diff').count() === 0, 'an invalid form was sent for review');
    const focused = await page.evaluate(() => document.activeElement?.dataset?.testid);
    expect(focused === 'field-metadata.namespace', `focus is on ${focused}`);
    expect(await page.getByTestId('review-button').isDisabled(), 'review is offered while errors are shown');
    await page.goto(BASE_URL + '/ingress');
    await page.getByTestId('mcs-list').waitFor();
  }],
  ['the editor checks the seed foo while typing', async (page) => {
    await page.getByTestId('new-mcs').click();
    await page.getByTestId('mcs-form').waitFor();
    await page.getByTestId('field-metadata.namespace').fill('purple');
    await page.getByTestId('field-metadata.name').fill('foo');
    await page.locator('[data-testid="field-error"][data-field="metadata.namespace"]').waitFor();
    const errors = await fieldErrors(page);
    expect(errors.some((e) => e.includes('purple') && e.includes('gke-us')), `errors ${JSON.stringify(errors)}`);
    expect(await page.getByTestId('review-button').isDisabled(), 'review allowed with errors');
    await page.getByTestId('field-metadata.namespace').fill('blue');
    await page.getByTestId('field-spec.template.spec.selector').fill('app=foo');
    await page.getByTestId('field-spec.template.spec.selector').dispatchEvent('change');
    await page.getByTestId(`link-${EU}`).check();
    await page.getByTestId(`link-${ASIA_1}`).check();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="field-error"]').length === 0);
    const yaml = await page.getByTestId('yaml-text').inputValue();
    expect(yaml.includes(`link: ${ASIA_1}`) && /^\s+app: foo$/m.test(yaml), `YAML view ${yaml}`);
  }],
  ['review shows a creation, apply opens the preview', async (page) => {
    await page.getByTestId('review-button').click();
    const diff = await page.getByTestId('diff').textContent();
    expect(diff.includes('MultiClusterService blue/foo') && diff.includes('create'), `diff ${JSON.stringify(diff)}`);
    await page.getByTestId('apply-button').click();
    await page.waitForURL('**/ingress/services/blue/foo');
    await page.getByTestId('mcs-preview').waitFor();
  }],
  ['the preview selects gke-eu and gke-asia-1 with derived Services', async (page) => {
    await memberIs(page, 'gke-eu', 'selected', 'present');
    await memberIs(page, 'gke-asia-1', 'selected', 'present');
    await memberIs(page, 'gke-asia-2', 'excluded', 'absent');
    const asia2 = await page.locator(member('gke-asia-2')).textContent();
    expect(asia2.includes('not in spec.clusters'), `gke-asia-2 says ${JSON.stringify(asia2)}`);
    const eu = await page.locator(member('gke-eu')).textContent();
    expect(/[1-9]\d* pods/.test(eu), `gke-eu says ${JSON.stringify(eu)}`);
    await screenshot(page, 'mcs-preview');
  }],
  ['deselecting gke-asia-1 removes its derived Service', async (page) => {
    await page.getByTestId(`link-${ASIA_1}`).uncheck();
    await reviewAndApply(page);
    await page.getByTestId('applied').waitFor();
    await memberIs(page, 'gke-asia-1', 'excluded', 'absent');
    await memberIs(page, 'gke-eu', 'selected', 'present');
    await screenshot(page, 'mcs-deselected');
  }],
  ['a change refused because foo changed since: take-over asks first, cancel changes nothing', async (page) => {
    await page.getByTestId(`link-${ASIA_1}`).check();
    await page.getByTestId('review-button').click();
    await page.getByTestId('diff').waitFor();
    // Someone else changes foo between the review and the apply.
    const status = await page.evaluate(async () => {
      const session = await (await fetch('/api/session')).json();
      const read = await (await fetch('/api/ingress/services/blue/foo')).json();
      const object = read.service;
      delete object.status;
      delete object.metadata.resourceVersion;
      object.metadata.labels = { changed: 'elsewhere' };
      const put = await fetch('/api/ingress/services/blue/foo', {
        method: 'PUT', headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrf_token },
        body: JSON.stringify({ object, resource_version: read.resource_version }),
      });
      return put.status;
    });
    expect(status === 200, `the other change was refused: ${status}`);
    await page.getByTestId('apply-button').click();
    await page.getByTestId('conflict').waitFor();
    await page.getByTestId('take-over-button').click();
    const asked = await confirmation(page);
    expect(asked.includes('gke-us') && asked.includes('blue/foo'), `take-over confirmation ${JSON.stringify(asked)}`);
    await answer(page, 'cancel');
    const after = await api(page, '/api/ingress/services/blue/foo');
    const links = (after.service.spec.clusters ?? []).map((c) => c.link);
    expect(after.service.metadata.labels?.changed === 'elsewhere' && !links.includes(ASIA_1), `cancel changed foo: ${JSON.stringify(after.service)}`);
  }],
  ['confirming the take-over applies the change, and it is undone again', async (page) => {
    await page.getByTestId('take-over-button').click();
    await confirmation(page);
    await answer(page, 'confirm');
    await page.getByTestId('applied').waitFor();
    const after = await api(page, '/api/ingress/services/blue/foo');
    const links = (after.service.spec.clusters ?? []).map((c) => c.link);
    expect(links.includes(ASIA_1) && !after.service.metadata.labels?.changed, `take-over did not apply: ${JSON.stringify(after.service)}`);
    await page.getByTestId(`link-${ASIA_1}`).uncheck();
    await reviewAndApply(page);
    await memberIs(page, 'gke-asia-1', 'excluded', 'absent');
  }],
  ['bar from the YAML view, a typo named by its line', async (page) => {
    await page.goto(BASE_URL + '/ingress/services/new');
    await page.getByTestId('yaml-view').locator('summary').click();
    await page.getByTestId('yaml-text').fill(BAR.replace('targetPort', 'targetPrt'));
    const problem = page.getByTestId('yaml-problem');
    await problem.waitFor();
    const said = await problem.textContent();
    expect(await problem.getAttribute('data-line') === '15' && said.startsWith('line 15') && said.includes('targetPrt'), `YAML problem ${JSON.stringify(said)}`);
    expect(await page.getByTestId('review-button').isDisabled(), 'review allowed while the YAML does not parse');
    await page.getByTestId('yaml-text').fill(BAR);
    await problem.waitFor({ state: 'detached' });
    expect(await page.getByTestId('field-metadata.name').inputValue() === 'bar', 'the form did not follow the YAML view');
    await reviewAndApply(page);
    await page.waitForURL('**/ingress/services/blue/bar');
  }],
  ['the seed ingress: a missing default backend is named on its field', async (page) => {
    await page.goto(BASE_URL + '/ingress/ingresses/new');
    await page.getByTestId('yaml-view').locator('summary').click();
    await page.getByTestId('yaml-text').fill(SEED_INGRESS);
    const field = '[data-testid="field-error"][data-field="spec.template.spec.backend.serviceName"]';
    await page.locator(field).waitFor();
    const text = await page.locator(field).textContent();
    expect(text.includes('default-backend'), `error ${JSON.stringify(text)}`);
    await page.getByTestId('default-service').fill('foo');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="field-error"]').length === 0);
    const yaml = await page.getByTestId('yaml-text').inputValue();
    // The default backend comes before the rules.
    const defaultBackend = yaml.split('rules:')[0];
    expect(defaultBackend.includes('serviceName: foo') && !yaml.includes('default-backend'), `the YAML view did not follow the form: ${yaml}`);
    await reviewAndApply(page);
    await page.waitForURL('**/ingress/ingresses/blue/foobar-ingress');
  }],
  ['the ingress gets a VIP and routes hosts to clusters', async (page) => {
    await page.waitForFunction(() => /^203\.0\.113\.\d+$/.test(document.querySelector('[data-testid="mci-vip"]')?.textContent ?? ''), null, { timeout: 30000 });
    const foo = await page.getByTestId('route-foo.example.com').textContent();
    expect(foo.includes('gke-eu') && !foo.includes('gke-asia-1'), `foo route ${JSON.stringify(foo)}`);
    const bar = await page.getByTestId('route-bar.example.com').textContent();
    expect(bar.includes('gke-us') && bar.includes('pods'), `bar route ${JSON.stringify(bar)}`);
    await screenshot(page, 'mci-preview');
  }],
  ['the lists show both, with the quota used', async (page) => {
    await page.goto(BASE_URL + '/ingress');
    await page.getByTestId('mci-row-blue-foobar-ingress').waitFor();
    const quota = await page.getByTestId('quota-mcs').textContent();
    expect(quota.includes('2 / 100'), `quota says ${JSON.stringify(quota)}`);
    await screenshot(page, 'ingress-lists');
  }],
  ['deleting the ingress asks first naming the config cluster; cancel keeps it, confirm deletes it', async (page) => {
    await page.goto(BASE_URL + '/ingress/ingresses/blue/foobar-ingress');
    await page.getByTestId('delete-button').click();
    const asked = await confirmation(page);
    expect(asked.includes('gke-us') && asked.includes('MultiClusterIngress blue/foobar-ingress'), `delete confirmation ${JSON.stringify(asked)}`);
    await answer(page, 'cancel');
    const names = async () => (await api(page, '/api/ingress/ingresses')).items.map((i) => i.ingress.metadata.name);
    expect((await names()).includes('foobar-ingress'), 'cancel deleted the ingress');
    await page.getByTestId('delete-button').click();
    await confirmation(page);
    await answer(page, 'confirm');
    await page.waitForURL('**/ingress');
    expect(!(await names()).includes('foobar-ingress'), 'the ingress is still listed');
  }],
  ['switching the config cluster asks first naming both; cancel keeps gke-us, confirm switches', async (page) => {
    await page.goto(BASE_URL + '/ingress');
    await page.getByTestId('config-cluster').waitFor();
    await page.locator('[data-testid="config-candidate"] option[value="gke-eu"]').waitFor({ state: 'attached' });
    await page.getByTestId('config-candidate').selectOption('gke-eu');
    await page.getByTestId('config-copy').click();
    await page.getByTestId('config-identical').waitFor();
    await page.getByTestId('config-switch').click();
    const asked = await confirmation(page);
    expect(asked.includes('gke-us') && asked.includes('gke-eu'), `switch confirmation ${JSON.stringify(asked)}`);
    await answer(page, 'cancel');
    const now = async () => (await api(page, '/api/ingress/config-cluster')).cluster;
    expect(await now() === 'gke-us', 'cancel switched the config cluster');
    await page.getByTestId('config-switch').click();
    await confirmation(page);
    await answer(page, 'confirm');
    await page.getByTestId('config-status').waitFor();
    expect(await now() === 'gke-eu', 'the config cluster did not switch');
  }],
];

// The take-over step provokes the apply's 409 on purpose.
await journey('ingress', steps, { expectedStatuses: [409] });
