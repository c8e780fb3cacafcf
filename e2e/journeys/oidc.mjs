// Journey: sign in through a real OpenID provider (npm oidc-provider with
// its own login page). The sign-in page offers "Sign in with Test IdP"
// beside the password form; alice (mesh-operators) and bob (mesh-officers)
// each sign in on the provider's page and land with their group's role;
// signing out ends the console's session and then the provider's.
import { BASE_URL, expect, journey, screenshot } from './lib/browser.mjs';

const people = [
  { login: 'alice', title: 'Operator' },
  { login: 'bob', title: 'Security officer' },
];

async function waitForHeading(page, text) {
  await page.waitForFunction(
    (t) => document.querySelector('main h1')?.textContent?.trim() === t, text,
  );
}

const steps = [
  ['the provider\'s pages load no web fonts (the machine is offline)', async (page) => {
    await page.route(/fonts\.googleapis\.com/, (route) => route.fulfill({ status: 200, contentType: 'text/css', body: '' }));
  }],
];
for (const who of people) {
  steps.push(
    [`${who.login}: the sign-in page offers the provider beside the form`, async (page) => {
      await page.goto(BASE_URL + '/mesh');
      await waitForHeading(page, 'Sign in');
      await page.getByRole('link', { name: 'Sign in with Test IdP' }).waitFor();
      expect(await page.getByLabel('Password').count() === 1, 'local accounts are kept');
      await screenshot(page, `${who.login}-sign-in`);
    }],
    [`${who.login}: signs in on the provider's login page`, async (page) => {
      await page.getByRole('link', { name: 'Sign in with Test IdP' }).click();
      const login = page.locator('input[name="login"]');
      await login.waitFor();
      expect(!page.url().startsWith(BASE_URL), `on the provider, not the console: ${page.url()}`);
      await screenshot(page, `${who.login}-provider-login`);
      await login.fill(who.login);
      await page.locator('input[name="password"]').fill('any password');
      await page.getByRole('button', { name: 'Sign-in' }).click();
    }],
    [`${who.login}: lands in the console as ${who.title}`, async (page) => {
      // The slot reads "Not signed in" until the page has asked who it is.
      const slot = page.getByLabel('Signed-in user').filter({ hasText: who.login });
      await slot.waitFor();
      const text = await slot.textContent();
      expect(text.includes(who.login) && text.includes(who.title), `user slot ${JSON.stringify(text)}`);
      expect(page.url().startsWith(BASE_URL), `back at the console: ${page.url()}`);
      const session = await page.evaluate(async () => (await fetch('/api/session')).json());
      expect(session.via === 'oidc' && session.account.name === who.login, JSON.stringify(session));
      await screenshot(page, `${who.login}-signed-in`);
    }],
    [`${who.login}: signs out of the console, then of the provider`, async (page) => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      const yes = page.getByRole('button', { name: 'Yes, sign me out' });
      await yes.waitFor();
      const session = await page.request.get(BASE_URL + '/api/session');
      expect((await session.json()) === null, 'the console\'s session is gone');
      await yes.click();
      await page.waitForLoadState();
      await screenshot(page, `${who.login}-signed-out`);
    }],
  );
}

await journey('oidc', steps);
