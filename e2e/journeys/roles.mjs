// Journey: each role signs in, sees its navigation and only the actions it
// may take, finds its sign-in in the activity log, is refused by the
// backend when it calls an endpoint it may not, and signs out.
import { ACCOUNTS, BASE_URL, expect, journey, screenshot, signIn } from './lib/browser.mjs';

const sections = ['Fleet', 'Mesh', 'Security', 'Ingress', 'Workloads', 'Activity'];
// What each role may do, per page (the shared role table, seen from the UI).
const actionsOf = {
  operator: { '/mesh': ['mesh.install', 'mesh.migrate'], '/security': [], '/ingress': ['ingress.edit'], '/workloads': ['workload.deploy'] },
  security_officer: { '/mesh': [], '/security': ['csr.decide', 'ca.manage'], '/ingress': [], '/workloads': [] },
  manager: { '/mesh': [], '/security': [], '/ingress': [], '/workloads': [] },
};

async function heading(page) {
  const h1 = page.locator('main h1').first();
  await h1.waitFor();
  return (await h1.textContent()).trim();
}

async function waitForHeading(page, text) {
  await page.waitForFunction(
    (t) => document.querySelector('main h1')?.textContent?.trim() === t, text,
  ).catch(async () => {
    throw new Error(`heading is ${JSON.stringify(await heading(page))}, expected ${JSON.stringify(text)}`);
  });
}

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

const steps = [];
for (const who of ACCOUNTS) {
  const label = `${who.name} (${who.title}${who.admin ? ', admin' : ''})`;
  steps.push(
    [`${label}: any page asks to sign in first`, async (page) => {
      await page.goto(BASE_URL + '/mesh');
      await waitForHeading(page, 'Sign in');
      expect(await page.getByRole('navigation', { name: 'Sections' }).count() === 0, 'no navigation before sign-in');
      const api = await page.request.get(BASE_URL + '/api/audit');
      expect(api.status() === 401, `the API refuses anonymous reads: ${api.status()}`);
    }],
    [`${label}: a wrong password is refused with a clear message`, async (page) => {
      await signIn(page, who, 'not the password at all');
      const alert = page.getByRole('alert');
      await alert.waitFor();
      const text = await alert.textContent();
      expect(text.includes('wrong account name or password'), `alert says ${JSON.stringify(text)}`);
      expect(await heading(page) === 'Sign in', 'still on the sign-in page');
    }],
    [`${label}: signs in and lands on the page asked for`, async (page) => {
      await signIn(page, who);
      await waitForHeading(page, 'Mesh');
      expect(page.url().endsWith('/mesh'), `at ${page.url()}`);
      const slot = page.getByLabel('Signed-in user');
      await slot.locator('.user-name', { hasText: who.name }).waitFor();
      const text = await slot.textContent();
      expect(text.includes(who.title), `user slot says ${JSON.stringify(text)}`);
      expect(text.includes('admin') === who.admin, `admin badge ${who.admin}: ${JSON.stringify(text)}`);
      const cookies = await page.context().cookies();
      const session = cookies.find((c) => c.name === 'meshdeck_session');
      expect(session && session.httpOnly && session.sameSite === 'Strict', `session cookie ${JSON.stringify(session)}`);
      expect(await page.evaluate(() => document.cookie.includes('meshdeck_session')) === false, 'scripts cannot read the session');
    }],
    [`${label}: navigation shows the right entries`, async (page) => {
      const nav = page.getByRole('navigation', { name: 'Sections' });
      const links = (await nav.getByRole('link').allTextContents()).map((t) => t.trim());
      const expected = who.admin ? [...sections, 'Accounts'] : sections;
      expect(JSON.stringify(links) === JSON.stringify(expected), `navigation is ${JSON.stringify(links)}`);
    }],
    [`${label}: each page offers only the role's actions`, async (page) => {
      const table = actionsOf[who.role];
      for (const [path, actions] of Object.entries(table)) {
        await page.getByRole('navigation', { name: 'Sections' }).locator(`a[href="${path}"]`).click();
        await page.waitForURL(`**${path}`);
        await page.locator(`[data-section="${path.slice(1)}"] .lead`).waitFor();
        const shown = await page.locator('.role-actions li').evaluateAll((els) => els.map((e) => e.dataset.action));
        expect(JSON.stringify(shown) === JSON.stringify(actions), `${path}: shows ${JSON.stringify(shown)}, expected ${JSON.stringify(actions)}`);
        const readOnly = await page.locator('.read-only').count();
        expect((readOnly === 1) === (actions.length === 0), `${path}: read-only note ${readOnly}`);
      }
      await page.goto(BASE_URL + '/mesh');
      await waitForHeading(page, 'Mesh');
      await screenshot(page, `${who.name}-mesh`);
    }],
    [`${label}: the backend refuses what the role may not do`, async (page) => {
      const attempt = await api(page, 'POST', '/api/accounts', { name: `made-by-${who.name}`, role: 'operator', password: 'a long enough password' });
      if (who.admin) {
        expect(attempt.status === 201, `admin creates an account: ${JSON.stringify(attempt)}`);
      } else {
        expect(attempt.status === 403, `non-admin refused: ${JSON.stringify(attempt)}`);
        expect(attempt.body.message === 'not allowed: managing accounts needs the admin capability', JSON.stringify(attempt.body));
      }
    }],
    [`${label}: the activity log shows the sign-in, filters, pages and verifies`, async (page) => {
      await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Activity' }).click();
      await waitForHeading(page, 'Activity');
      await page.locator('table.audit tbody tr').first().waitFor();
      const filters = page.getByRole('form', { name: 'Filters' }).or(page.locator('form.filters'));
      await filters.getByLabel('Actor').fill(who.name);
      await filters.getByLabel('Outcome').selectOption('failure');
      await filters.getByRole('button', { name: 'Apply' }).click();
      await page.waitForFunction(() => document.querySelector('.page-info')?.textContent?.includes('· 1 entries'));
      const row = await page.locator('table.audit tbody tr').first().textContent();
      expect(row.includes('session.create') && row.includes('reason=wrong_name_or_password'), `failure row ${JSON.stringify(row)}`);
      const filtered = new URL(page.url());
      expect(filtered.searchParams.get('actor') === who.name && filtered.searchParams.get('outcome') === 'failure', `filters in the URL: ${page.url()}`);
      await filters.getByLabel('Outcome').selectOption('success');
      await filters.getByRole('button', { name: 'Apply' }).click();
      await page.waitForFunction(() => document.querySelector('table.audit tbody tr')?.textContent?.includes('success'));
      const rows = await page.locator('table.audit tbody tr').allTextContents();
      expect(rows.every((r) => r.includes(who.name)), `rows are ${who.name}'s: ${JSON.stringify(rows)}`);
      const href = await page.getByRole('link', { name: 'Export JSON lines' }).getAttribute('href');
      expect(href.includes('actor=' + encodeURIComponent(who.name)) && href.includes('outcome=success'), `export link ${href}`);
      const exported = await page.request.get(BASE_URL + href);
      const lines = (await exported.text()).trim().split('\n').map((l) => JSON.parse(l));
      expect(lines.length === rows.length && lines.every((e) => e.actor === who.name && e.outcome === 'success'), `export ${JSON.stringify(lines)}`);
      await page.goBack();
      await page.waitForFunction(() => document.querySelector('.page-info')?.textContent?.includes('· 1 entries'));
      const outcome = await filters.getByLabel('Outcome').inputValue();
      expect(outcome === 'failure', `Back restores the previous filters (outcome ${JSON.stringify(outcome)})`);
      await page.getByRole('button', { name: 'Clear' }).click();
      await page.getByRole('button', { name: 'Verify chain' }).click();
      await page.getByText(/Chain intact: \d+ entries checked/).waitFor();
      await screenshot(page, `${who.name}-activity`);
    }],
    [`${label}: signs out, and the session is gone on the server`, async (page) => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await waitForHeading(page, 'Sign in');
      const slot = await page.getByLabel('Signed-in user').textContent();
      expect(slot.includes('Not signed in'), `user slot ${JSON.stringify(slot)}`);
      await page.reload();
      await waitForHeading(page, 'Sign in');
      const session = await page.request.get(BASE_URL + '/api/session');
      expect((await session.json()) === null, 'nobody is signed in');
    }],
  );
}

steps.push(['the admin sees and uses the accounts page', async (page) => {
  const admin = ACCOUNTS.find((a) => a.admin);
  await page.goto(BASE_URL + '/accounts');
  await signIn(page, admin);
  await waitForHeading(page, 'Accounts');
  await page.locator('table.accounts-list tbody tr').first().waitFor();
  const names = await page.locator('table.accounts-list tbody td:first-child').allTextContents();
  for (const a of ACCOUNTS) expect(names.includes(a.name), `list has ${a.name}: ${JSON.stringify(names)}`);
  await page.getByLabel('Account', { exact: true }).fill('new-operator');
  await page.locator('select[name="new-role"]').selectOption('operator');
  await page.getByLabel('Password').fill('short');
  await page.getByText('at least 12 characters').waitFor();
  expect(await page.getByRole('button', { name: 'Create account' }).isDisabled(), 'the form refuses a short password');
  await page.getByLabel('Password').fill('a long enough password');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByText('Created new-operator (Operator).').waitFor();
  await page.locator('table.accounts-list td', { hasText: 'new-operator' }).waitFor();
  await screenshot(page, 'accounts');
}]);

steps.push(['the activity log pages through more than one page', async (page) => {
  for (let i = 0; i < 12; i++) {
    const made = await api(page, 'POST', '/api/accounts', { name: `bulk-${i}`, role: 'manager', password: 'a long enough password' });
    expect(made.status === 201, JSON.stringify(made));
  }
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Activity' }).click();
  const info = page.locator('.page-info');
  await info.waitFor();
  const first = await info.textContent();
  const match = /Page 1 of (\d+) · (\d+) entries/.exec(first);
  expect(match && Number(match[1]) >= 2, `pager says ${JSON.stringify(first)}`);
  expect(await page.getByRole('button', { name: 'Newer' }).isDisabled(), 'no newer page on page 1');
  const newest = await page.locator('table.audit tbody tr').first().textContent();
  expect(newest.includes('account/bulk-11'), `newest first: ${JSON.stringify(newest)}`);
  await page.getByRole('button', { name: 'Older' }).click();
  await page.waitForFunction(() => document.querySelector('.page-info')?.textContent?.startsWith('Page 2'));
  expect(new URL(page.url()).searchParams.get('page') === '2', `page in the URL: ${page.url()}`);
  const rows = await page.locator('table.audit tbody tr').count();
  expect(rows === Math.min(25, Number(match[2]) - 25), `page 2 has ${rows} rows`);
  await screenshot(page, 'activity-page-2');
  await page.getByRole('button', { name: 'Newer' }).click();
  await page.waitForFunction(() => document.querySelector('.page-info')?.textContent?.startsWith('Page 1'));
}]);

steps.push(['the activity log in words, and only the changes when asked', async (page) => {
  await page.goto(BASE_URL + '/activity');
  await page.locator('table.audit tbody tr').first().waitFor();
  const all = await page.locator('table.audit tbody tr').allTextContents();
  expect(all.some((r) => r.includes('Created an account')), `actions in words: ${JSON.stringify(all.slice(0, 3))}`);
  const filters = page.locator('form.filters');
  await filters.getByLabel('Changes only').check();
  await filters.getByRole('button', { name: 'Apply' }).click();
  await page.waitForURL('**/activity?changes=1');
  await page.waitForFunction(() => [...document.querySelectorAll('table.audit tbody tr')]
    .every((r) => r.dataset.outcome === 'success' && !r.dataset.action.startsWith('session.')));
  const rows = await page.locator('table.audit tbody tr').evaluateAll((trs) => trs.map((r) => r.dataset.action));
  expect(rows.length > 0 && rows.every((a) => a.startsWith('account.')), `changes only: ${JSON.stringify(rows)}`);
  await screenshot(page, 'activity-changes-only');
  await page.getByRole('button', { name: 'Clear' }).click();
}]);

steps.push(['the admin changes a role and the admin flag, and removes an account', async (page) => {
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Accounts' }).click();
  await waitForHeading(page, 'Accounts');
  const role = page.getByLabel('Role of bulk-0');
  await role.waitFor();
  expect(await role.inputValue() === 'manager', `bulk-0 starts as manager: ${await role.inputValue()}`);
  // Only a security officer gives the officer role: this admin is a
  // manager, so the page does not offer it; nor its own role or flag.
  expect(await role.locator('option[value="security_officer"]').isDisabled(), 'the officer role is not offered');
  expect(await page.getByLabel('Role of admin').isDisabled(), 'the admin cannot change its own role');
  await role.selectOption('operator');
  const account = async () => (await api(page, 'GET', '/api/accounts')).body.find((a) => a.name === 'bulk-0');
  for (let i = 0; i < 50 && (await account()).role !== 'operator'; i++) await page.waitForTimeout(100);
  // The page refetches the accounts after the role change and redraws the
  // rows; a click landing on a row being replaced is lost, so try again.
  const mayAdmin = page.getByLabel('bulk-0 may manage accounts');
  for (let attempt = 1; ; attempt++) {
    try {
      await mayAdmin.check({ timeout: 2000 });
      break;
    } catch (e) {
      if (attempt === 5) throw e;
      await page.waitForTimeout(200);
    }
  }
  for (let i = 0; i < 50 && !((await account()).admin); i++) await page.waitForTimeout(100);
  const changed = await account();
  expect(changed.role === 'operator' && changed.admin, `bulk-0 is now ${JSON.stringify(changed)}`);
  const row = page.locator('tr[data-account="bulk-1"]');
  // The confirmation names the account; cancelling it removes nothing.
  await row.getByRole('button', { name: 'Remove', exact: true }).click();
  const dialog = row.getByTestId('confirm-dialog');
  const asked = await dialog.locator('.confirm-question').textContent();
  expect(asked.includes('bulk-1'), `the confirmation names bulk-1: ${JSON.stringify(asked)}`);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'detached' });
  const kept = (await api(page, 'GET', '/api/accounts')).body.map((a) => a.name);
  expect(kept.includes('bulk-1'), `bulk-1 kept after Cancel: ${JSON.stringify(kept)}`);
  await row.getByRole('button', { name: 'Remove', exact: true }).click();
  await row.getByTestId('confirm-dialog').getByRole('button', { name: 'Remove bulk-1' }).click();
  await row.waitFor({ state: 'detached' });
  const names = (await api(page, 'GET', '/api/accounts')).body.map((a) => a.name);
  expect(!names.includes('bulk-1'), `bulk-1 removed: ${JSON.stringify(names)}`);
  await page.goto(BASE_URL + '/activity?action=account.');
  await page.locator('table.audit tbody tr').first().waitFor();
  const rows = await page.locator('table.audit tbody tr').allTextContents();
  expect(rows.some((r) => r.includes('account.delete') && r.includes('account/bulk-1')), 'the removal is in the log');
  expect(rows.some((r) => r.includes('account.update') && r.includes('role=operator')), 'the role change is in the log');
  await screenshot(page, 'accounts-managed');
}]);

steps.push(['a non-admin who opens the accounts page is refused', async (page) => {
  await page.goto(BASE_URL + '/accounts');
  await waitForHeading(page, 'Accounts');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await waitForHeading(page, 'Sign in');
  await signIn(page, { name: 'new-operator', password: 'a long enough password' });
  await waitForHeading(page, 'Accounts');
  const error = await page.getByRole('alert').textContent();
  expect(error.includes('needs the admin capability'), `a non-admin at /accounts sees ${JSON.stringify(error)}`);
}]);

steps.push(['repeated wrong passwords lock the account with a clear message', async (page) => {
  const who = ACCOUNTS.find((a) => a.role === 'manager' && !a.admin);
  await page.goto(BASE_URL + '/fleet');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await waitForHeading(page, 'Sign in');
  // Its earlier failure was cleared by the sign-in that followed it.
  for (let i = 0; i < 5; i++) {
    await signIn(page, who, `wrong password number ${i}`);
    await page.getByRole('alert').getByText('wrong account name or password').waitFor();
  }
  await signIn(page, who);
  const alert = page.getByRole('alert');
  await alert.getByText('Too many attempts').waitFor();
  const text = await alert.textContent();
  expect(text.includes(`too many failed sign-ins for account "${who.name}" from your address; try again in 15 minutes`), `alert says ${JSON.stringify(text)}`);
  expect(await heading(page) === 'Sign in', 'still signed out');
  await screenshot(page, 'locked');
}]);

await journey('roles', steps, { expectedStatuses: [401, 403, 429] });
