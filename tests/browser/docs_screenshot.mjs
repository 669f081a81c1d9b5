// Takes docs/images/report.png from a report page: the summary, the first rows of the error and
// layer tables and one tensor's charts (the rest of the page is left out of the picture).
//
//   node tests/browser/docs_screenshot.mjs REPORT.html docs/images/report.png TENSOR-ID
//
// docs/report.md gives the report command it was run on.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const [file, out, keep] = process.argv.slice(2);
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'int8rt-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  offline: true,
  viewport: { width: 1240, height: 800 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = context.pages()[0] || (await context.newPage());
  await page.goto('file://' + path.resolve(file));
  await page.waitForSelector('body[data-ready="1"]');
  await page.evaluate((id) => {
    document.querySelectorAll('#error-table tr.error-row').forEach((r, i) => { if (i >= 3) r.remove(); });
    document.querySelectorAll('#layer-table tr.layer-row').forEach((r, i) => { if (i >= 2) r.remove(); });
    document.querySelectorAll('section.tensor').forEach((s) => { if (s.id !== id) s.remove(); });
  }, keep);
  await page.screenshot({ path: out, fullPage: true });
} finally {
  await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
