// Journey: a manager signs in and visits every section from the
// navigation, a cluster page and an unknown page, with no browser errors;
// every page (sections, each cluster tab, the ingress editors, accounts)
// fits the window at 1440, 1024 and 390 px, screenshotted as
// target/e2e/shell/<page>-<width>.png.
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

/** The tab's title, waited for (it follows the route). */
async function titleIs(page, text) {
  await page.waitForFunction((t) => document.title === t, text).catch(async () => {
    throw new Error(`title is ${JSON.stringify(await page.title())}, expected ${JSON.stringify(text)}`);
  });
}

/** Focus sits on the page's heading, as after every navigation. */
async function focusOnHeading(page) {
  await page.waitForFunction(() => document.activeElement === document.querySelector('main h1'))
    .catch(async () => {
      const at = await page.evaluate(() => document.activeElement?.outerHTML?.slice(0, 120));
      throw new Error(`focus is on ${at}, not the page heading`);
    });
}

const titles = new Set();

const steps = [
  ['before signing in: a static loading state, then the sign-in page titled so', async (page) => {
    const html = await (await page.request.get(BASE_URL + '/')).text();
    expect(html.includes('id="boot"') && html.includes('Loading the meshdeck console'),
      'index.html carries a loading state for the seconds the WebAssembly loads');
    await page.goto(BASE_URL + '/');
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await page.locator('#boot').count() === 0, 'the loading state is gone once the console runs');
    await titleIs(page, 'Sign in · meshdeck');
  }],
  ['the first tab stop skips to the content', async (page) => {
    await page.keyboard.press('Tab');
    const first = await page.evaluate(() => document.activeElement?.textContent?.trim());
    expect(first === 'Skip to content', `the first tab stop is ${JSON.stringify(first)}`);
  }],
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
    const moved = !page.url().endsWith(section.path);
    await page.getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: section.title, exact: true }).click();
    await page.waitForURL(`**${section.path}`);
    await headingIs(page, section.title);
    const current = await page.getByRole('navigation', { name: 'Sections' })
      .locator('a[aria-current="page"]').textContent();
    expect(current === section.title, `navigation marks ${JSON.stringify(current)} as current`);
    expect(await page.locator(`[data-section="${section.slug}"] .lead`).count() === 1, 'the page says what it is for');
    await titleIs(page, `${section.title} · meshdeck`);
    titles.add(await page.title());
    // A link to the page already shown navigates nowhere.
    if (moved) await focusOnHeading(page);
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
    await titleIs(page, 'gke-eu · Mesh · meshdeck');
    titles.add(await page.title());
    await focusOnHeading(page);
    const crumbs = page.getByRole('navigation', { name: 'Breadcrumb' });
    const trail = (await crumbs.locator('li').allTextContents()).map((t) => t.trim());
    expect(JSON.stringify(trail) === JSON.stringify(['Fleet', 'gke-eu', 'Mesh']), `breadcrumb ${JSON.stringify(trail)}`);
    await crumbs.getByRole('link', { name: 'gke-eu' }).click();
    await page.waitForURL('**/c/gke-eu');
    await headingIs(page, 'Cluster gke-eu');
    await titleIs(page, 'gke-eu · Clusters · meshdeck');
    titles.add(await page.title());
    await screenshot(page, 'cluster-gke-eu-mesh');
  }],
  ['no page is wider than the window at 1440, 1024 and 390 px', async (page) => {
    const pages = [
      ...sections.map((s) => [s.slug, s.path]),
      ['cluster', '/c/gke-eu'],
      ...sections.filter((s) => s.per_cluster).map((s) => [`cluster-${s.slug}`, `/c/gke-eu/${s.slug}`]),
      ['ingress-service-editor', '/ingress/services/new'],
      ['ingress-ingress-editor', '/ingress/ingresses/new'],
      ['accounts', '/accounts'],
    ];
    expect(pages.some(([name]) => name === 'cluster-mesh'), `cluster tabs: ${JSON.stringify(pages)}`);
    const tooWide = [];
    for (const width of [1440, 1024, 390]) {
      await page.setViewportSize({ width, height: 900 });
      for (const [name, path] of pages) {
        await page.goto(BASE_URL + path);
        // The ingress editors head their page with an h2 (their own issue).
        await page.locator('main h1, main h2').first().waitFor();
        // Measure with the live data (tables) in, not the spinners.
        await page.waitForFunction(() => !document.querySelector('main .loading'));
        const [scroll, inner, wide] = await page.evaluate(() => {
          const inner = window.innerWidth;
          // The outermost elements sticking out, to name in a failure.
          const wide = [...document.querySelectorAll('body *')]
            .filter((e) => e.getBoundingClientRect().right > inner + 1)
            .filter((e) => !(e.parentElement && e.parentElement.getBoundingClientRect().right > inner + 1))
            .slice(0, 5)
            .map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')} (${Math.round(e.getBoundingClientRect().right)} px)`);
          return [document.documentElement.scrollWidth, inner, wide];
        });
        await screenshot(page, `${name}-${width}`);
        if (scroll > inner) tooWide.push(`${path} at ${width} px is ${scroll} px wide: ${wide.join(', ')}`);
      }
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(tooWide.length === 0, tooWide.join('; '));
  }],
  ['every page visited had its own title', async () => {
    expect(titles.size === sections.length + 2, `titles: ${JSON.stringify([...titles])}`);
  }],
  ['accounts, for a manager without the admin capability: the refusal, no form', async (page) => {
    await page.goto(BASE_URL + '/accounts');
    await headingIs(page, 'Accounts');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const text = await alert.textContent();
    expect(text.includes('admin capability'), `the page says ${JSON.stringify(text)}`);
    expect(await page.locator('main form, main input, main button').count() === 0,
      'no form to fill in under the refusal');
    await titleIs(page, 'Accounts · meshdeck');
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
  ['a dropped live stream says the page may be out of date, until it is back', async (page) => {
    await page.goto(BASE_URL + '/fleet');
    await page.locator('footer [data-link="live"]').waitFor();
    expect(await page.locator('.stale-banner').count() === 0, 'no banner while live');
    // As a console whose replica went away answers: 503.
    await page.route('**/api/events**', (route) => route.fulfill({ status: 503, body: '' }));
    await page.reload();
    const banner = page.locator('.stale-banner');
    await banner.waitFor();
    expect((await banner.textContent()).includes('may be out of date'), 'the banner says why');
    await screenshot(page, 'stale-banner');
    await page.unroute('**/api/events**');
    await banner.waitFor({ state: 'detached', timeout: 30000 });
    await page.locator('footer [data-link="live"]').waitFor();
  }],
  ['unknown API routes answer JSON, not the app', async (page) => {
    const res = await page.request.get(BASE_URL + '/api/nope');
    expect(res.status() === 404, `status ${res.status()}`);
    const body = await res.json();
    expect(body.code === 'not_found' && body.request_id, `body ${JSON.stringify(body)}`);
  }],
);

await journey('shell', steps, { expectedStatuses: [503] });
