// Journey: a manager signs in and visits every section from the
// navigation, a cluster page and an unknown page, with no browser errors.
import { BASE_URL, account, expect, journey, screenshot, signIn } from './lib/browser.mjs';

const sections = JSON.parse(process.env.SECTIONS || '[]');

async function headingIs(page, text) {
  const h1 = page.locator('main h1');
  await h1.first().waitFor();
  await page.waitForFunction(
    (t) => document.querySelector('main h1')?.textContent?.trim() === t,
    text,
  ).catch(async () => {
    throw new Error(`heading is ${JSON.stringify(await h1.first().textContent())}, expected ${JSON.stringify(text)}`);
  });
}

const steps = [
  ['the root redirects to the fleet after signing in', async (page) => {
    expect(sections.length === 6, `expected the six sections, got ${sections.length}`);
    await page.goto(BASE_URL + '/');
    await signIn(page, account('manager'));
    await page.waitForURL('**/fleet');
    await headingIs(page, 'Fleet');
  }],
  ['the status bar reaches the backend', async (page) => {
    const status = page.locator('footer .backend-ok');
    await status.waitFor();
    const text = await status.textContent();
    expect(/meshdeck \d+\.\d+\.\d+ · embedded sandbox fleet/.test(text), `status bar says ${JSON.stringify(text)}`);
  }],
];

for (const section of sections) {
  steps.push([`navigate to ${section.title}`, async (page) => {
    await page.getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: section.title, exact: true }).click();
    await page.waitForURL(`**${section.path}`);
    await headingIs(page, section.title);
    const current = await page.getByRole('navigation', { name: 'Sections' })
      .locator('a[aria-current="page"]').textContent();
    expect(current === section.title, `navigation marks ${JSON.stringify(current)} as current`);
    expect(await page.locator(`[data-section="${section.slug}"] .lead`).count() === 1, 'the page says what it is for');
    await screenshot(page, section.slug);
  }]);
}

steps.push(
  ['a cluster page and its tabs', async (page) => {
    await page.goto(BASE_URL + '/c/gke-eu');
    await headingIs(page, 'Cluster gke-eu');
    await page.getByRole('navigation', { name: 'Cluster pages' }).getByRole('link', { name: 'Mesh' }).click();
    await page.waitForURL('**/c/gke-eu/mesh');
    await headingIs(page, 'Mesh on gke-eu');
    await screenshot(page, 'cluster-gke-eu-mesh');
  }],
  ['an invalid cluster name shows the error where it happened', async (page) => {
    await page.goto(BASE_URL + '/c/GKE_EU');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const text = await alert.textContent();
    expect(text.includes('cluster name "GKE_EU" is not valid'), `error says ${JSON.stringify(text)}`);
  }],
  ['an unknown page is reported', async (page) => {
    await page.goto(BASE_URL + '/no/such/page');
    await headingIs(page, 'Page not found');
    await screenshot(page, 'not-found');
  }],
  ['unknown API routes answer JSON, not the app', async (page) => {
    const res = await page.request.get(BASE_URL + '/api/nope');
    expect(res.status() === 404, `status ${res.status()}`);
    const body = await res.json();
    expect(body.code === 'not_found' && body.request_id, `body ${JSON.stringify(body)}`);
  }],
);

await journey('shell', steps);
