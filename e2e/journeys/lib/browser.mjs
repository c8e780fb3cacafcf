// Page helpers shared by the journeys: launch Debian's Chromium offline,
// record every page error and console error, collect failures, screenshot.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BASE_URL = process.env.BASE_URL;
export const OUT_DIR = process.env.OUT_DIR;

// Chromium reports every failed fetch as a console error. Journeys that
// provoke refusals on purpose (wrong password, forbidden call) list the
// statuses they expect; any other failed request still fails the journey.
const FAILED_LOAD = /Failed to load resource: the server responded with a status of (\d+)/;

export async function openBrowser({ expectedStatuses = [] } = {}) {
  if (!BASE_URL || !OUT_DIR) throw new Error('BASE_URL and OUT_DIR must be set');
  const profile = mkdtempSync(join(tmpdir(), 'meshdeck-e2e-'));
  // Flags: headless as root, and no background connections (the machine's
  // network is closed; Chromium would otherwise retry Google hosts).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const failed = FAILED_LOAD.exec(msg.text());
    if (failed && expectedStatuses.includes(Number(failed[1]))) return;
    // A finish preview's 409 is its answer (why finishing would be
    // refused, shown beside the disabled button), not a failure.
    if (failed && failed[1] === '409' && (msg.location()?.url ?? '').includes('/api/mesh/migrations/finish/preview')) return;
    problems.push(`console error: ${msg.text()}`);
  });
  page.setDefaultTimeout(15000);
  const close = async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  };
  return { page, problems, close };
}

/// Runs the journey's steps, reporting each; exits non-zero on any failure
/// or any browser error seen along the way.
export async function journey(name, steps, options = {}) {
  const { page, problems, close } = await openBrowser(options);
  const failures = [];
  for (const [label, step] of steps) {
    try {
      await step(page);
      console.log(`ok   ${label}`);
    } catch (err) {
      failures.push(`${label}: ${err.message.split('\n')[0]}`);
      console.log(`FAIL ${label}: ${err.message}`);
      await page.screenshot({ path: join(OUT_DIR, `failed-${slugify(label)}.png`) }).catch(() => {});
    }
  }
  await close();
  failures.push(...problems);
  if (failures.length) {
    console.log(`\n${name}: ${failures.length} problem(s)\n- ${failures.join('\n- ')}`);
    process.exit(1);
  }
  console.log(`\n${name}: passed`);
}

export function expect(condition, message) {
  if (!condition) throw new Error(message);
}

export async function screenshot(page, name) {
  await page.screenshot({ path: join(OUT_DIR, `${name}.png`), fullPage: true });
}

function slugify(s) {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/// Accounts the harness created: [{name, role, title, admin, password}].
export const ACCOUNTS = JSON.parse(process.env.ACCOUNTS || '[]');

export function account(name) {
  const found = ACCOUNTS.find((a) => a.name === name);
  if (!found) throw new Error(`no account ${name} in ACCOUNTS`);
  return found;
}

/// Fills and submits the sign-in form, then waits for the user slot.
export async function signIn(page, who, password = who.password) {
  const form = page.locator('form', { has: page.getByLabel('Password') });
  await form.waitFor();
  await page.getByLabel('Account').fill(who.name);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/// The fleet's mesh id as the console suggests it: `proj-<number>` of the
/// fleet's host project (read through the signed-in page).
export async function fleetMeshId(page) {
  const fleet = await page.evaluate(async () => (await fetch('/api/fleet')).json());
  const project = fleet.clusters.map((c) => c.member.project).find((p) => p && p.id === fleet.project);
  if (!project) throw new Error(`the fleet names no host project number: ${JSON.stringify(fleet.project)}`);
  return `proj-${project.number}`;
}

/// The mesh roots as `GET /api/ca/roots` lists them to the signed-in page.
export async function meshRoots(page) {
  return (await page.evaluate(async () => (await fetch('/api/ca/roots')).json())).roots;
}

/// As a signed-in security officer, on Security → Mesh roots: creates the
/// fleet mesh's root in the HSM token, after the confirmation naming the
/// mesh and the token, unless it has an active root already (the test
/// token outlives runs and is shared with the API tests, so an earlier run
/// may have made it). Leaves the page reloaded, without the notice.
export async function ensureMeshRoot(page) {
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Security', exact: true }).click();
  await page.waitForURL('**/security');
  await page.getByRole('heading', { name: 'Mesh roots' }).waitFor();
  const mesh = await fleetMeshId(page);
  const create = page.locator(`.mesh-root-create button[data-mesh="${mesh}"]`);
  const active = page.locator(`table.mesh-roots tr[data-mesh="${mesh}"][data-state="active"]`);
  await create.or(active).first().waitFor();
  if (await active.count() === 0) {
    expect((await create.textContent()).includes(`Create root for mesh ${mesh}`), 'the button names the mesh');
    await create.click();
    const confirm = page.locator('.mesh-root-confirm');
    await confirm.waitFor();
    const asked = await confirm.textContent();
    expect(asked.includes(mesh) && asked.includes('HSM token'), `confirmation ${JSON.stringify(asked)}`);
    await confirm.getByRole('button', { name: 'Create root in the HSM token' }).click();
    await active.waitFor();
    const text = await active.textContent();
    expect(text.includes(':') && text.includes('officer'), `the root row names its fingerprint and officer: ${JSON.stringify(text)}`);
    await page.reload();
  }
  await active.waitFor();
  return mesh;
}

/// From the sign-in form: a security officer makes sure the fleet mesh has
/// its root and proposes an issuance grant for `cluster`, a second officer
/// approves it (issue 21: a cluster's intermediate is the officers'
/// decision). Leaves the page at the sign-in form again.
export async function grantIssuance(page, cluster) {
  await signIn(page, account('officer'));
  await ensureMeshRoot(page);
  const form = page.locator('.grant-propose');
  await form.locator(`input[name="clusters"][value="${cluster}"]`).check();
  await form.getByRole('button', { name: 'Propose grant' }).click();
  await page.locator('.grant-confirm').getByRole('button', { name: 'Propose grant' }).click();
  const proposed = page.locator('table.issuance-grants tr[data-state="proposed"]', { hasText: cluster });
  await proposed.waitFor();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await signIn(page, account('officer2'));
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Security', exact: true }).click();
  await page.waitForURL('**/security');
  await proposed.getByRole('button', { name: 'Approve' }).click();
  await page.locator('.grant-confirm').getByRole('button', { name: 'Approve grant' }).click();
  await page.locator('table.issuance-grants tr[data-state="active"]', { hasText: cluster }).waitFor();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('Password').waitFor();
}
