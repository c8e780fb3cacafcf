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
