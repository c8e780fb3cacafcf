// Page helpers shared by the journeys: launch Debian's Chromium offline,
// record every page error and console error, collect failures, screenshot.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BASE_URL = process.env.BASE_URL;
export const OUT_DIR = process.env.OUT_DIR;

export async function openBrowser() {
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
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
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
export async function journey(name, steps) {
  const { page, problems, close } = await openBrowser();
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
