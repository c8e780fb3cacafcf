// Journey: behind an authenticating proxy. Without identity headers the
// console explains that the proxy did not identify you (no password form);
// with them, the proxy's user is signed in with the role its groups map to,
// sees that role's actions, and has no sign-out of its own.
import { BASE_URL, expect, journey, screenshot } from './lib/browser.mjs';

async function waitForHeading(page, text) {
  await page.waitForFunction(
    (t) => document.querySelector('main h1')?.textContent?.trim() === t, text,
  );
}

const steps = [
  ['no identity: the sign-in page says to go through the proxy', async (page) => {
    await page.goto(BASE_URL + '/mesh');
    await waitForHeading(page, 'Sign in');
    const notice = page.getByRole('alert');
    await notice.waitFor();
    const text = await notice.textContent();
    expect(text.includes('authenticating proxy'), `notice says ${JSON.stringify(text)}`);
    expect(await page.getByLabel('Password').count() === 0, 'no password form behind a proxy');
    await screenshot(page, 'no-identity');
  }],
  ['the proxy identifies an operator', async (page) => {
    await page.setExtraHTTPHeaders({ 'x-forwarded-user': 'pat@corp', 'x-forwarded-groups': 'staff, mesh-ops' });
    await page.goto(BASE_URL + '/mesh');
    await waitForHeading(page, 'Mesh');
    const slot = await page.getByLabel('Signed-in user').textContent();
    expect(slot.includes('pat@corp') && slot.includes('Operator'), `user slot ${JSON.stringify(slot)}`);
    expect(await page.getByRole('button', { name: 'Sign out' }).count() === 0, 'sign-out is the proxy\'s business');
    const shown = await page.locator('.role-actions li').evaluateAll((els) => els.map((e) => e.dataset.action));
    expect(JSON.stringify(shown) === JSON.stringify(['mesh.install', 'mesh.migrate']), `actions ${JSON.stringify(shown)}`);
    await screenshot(page, 'operator-mesh');
  }],
  ['the backend holds the proxy user to the role, and records it', async (page) => {
    const attempt = await page.evaluate(async () => {
      const session = await (await fetch('/api/session')).json();
      const response = await fetch('/api/accounts', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrf_token },
        body: JSON.stringify({ name: 'x', role: 'manager', password: 'a long enough password' }),
      });
      return { status: response.status, body: await response.json() };
    });
    expect(attempt.status === 403 && attempt.body.message.includes('admin capability'), JSON.stringify(attempt));
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Activity' }).click();
    await waitForHeading(page, 'Activity');
    const row = page.locator('table.audit tbody tr', { hasText: 'pat@corp' }).first();
    await row.waitFor();
    const text = await row.textContent();
    expect(text.includes('account.create') && text.includes('denied'), `audit row ${JSON.stringify(text)}`);
  }],
  ['a member of the admin group sees Accounts', async (page) => {
    await page.setExtraHTTPHeaders({ 'x-forwarded-user': 'root@corp', 'x-forwarded-groups': 'mesh-sec,mesh-admins' });
    await page.goto(BASE_URL + '/security');
    await waitForHeading(page, 'Security');
    const links = (await page.getByRole('navigation', { name: 'Sections' }).getByRole('link').allTextContents()).map((t) => t.trim());
    expect(links.includes('Accounts'), `navigation ${JSON.stringify(links)}`);
    const shown = await page.locator('.role-actions li').evaluateAll((els) => els.map((e) => e.dataset.action));
    expect(JSON.stringify(shown) === JSON.stringify(['csr.decide', 'ca.manage']), `actions ${JSON.stringify(shown)}`);
  }],
];

await journey('proxy', steps, { expectedStatuses: [403] });
