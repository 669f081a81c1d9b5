// Opens a report page whose names are hostile (written by report_hostile_page) in Chromium and
// checks that each name shows as plain text where it belongs, that no injected script ran, that
// nothing was requested, and that every chart was drawn.
//
//   node escaping_test.mjs --tool build/tests/browser/report_hostile_page --out DIR
//
// Exit status: 0 pass, 1 fail, 77 skipped (the reason is printed).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({
  options: { tool: { type: 'string' }, out: { type: 'string' }, chromium: { type: 'string', default: '/usr/bin/chromium' } },
});
const skip = (reason) => { console.log('SKIPPED: ' + reason); process.exit(77); };
if (!fs.existsSync(opts.chromium)) skip(opts.chromium + ' is not installed (scripts/deps installs chromium)');
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (error) {
  skip('playwright-core is not installed in tests/browser (scripts/deps runs npm ci there): ' + error.message);
}

const failures = [];
function check(condition, message) {
  if (!condition) failures.push(message);
  console.log((condition ? 'ok    ' : 'FAIL  ') + message);
}

fs.mkdirSync(opts.out, { recursive: true });
const file = path.join(opts.out, 'hostile_report.html');
const lines = execFileSync(opts.tool, [file], { encoding: 'utf8' }).trim().split('\n').map((l) => JSON.parse(l));
const names = lines.filter((l) => 'tensor' in l).map((l) => l.tensor);
const title = lines.find((l) => 'title' in l).title;

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'int8rt-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: opts.chromium, headless: true, offline: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const errors = [];
const requests = [];
try {
  const page = context.pages()[0] || (await context.newPage());
  page.on('console', (m) => { if (m.type() === 'error') errors.push('console: ' + m.text()); });
  page.on('pageerror', (e) => errors.push('page error: ' + e.message));
  page.on('request', (r) => { if (!r.url().startsWith('file://')) requests.push(r.url()); });
  await page.goto('file://' + path.resolve(file));
  await page.waitForSelector('body[data-ready="1"]', { timeout: 30000 });
  const seen = await page.evaluate(() => ({
    pwned: window.pwned,
    title: document.title,
    scripts: document.querySelectorAll('script').length,
    images: document.querySelectorAll('img').length,
    cards: [...document.querySelectorAll('section.tensor h3')].map((h) => h.textContent),
    dataNames: [...document.querySelectorAll('section.tensor')].map((s) => s.dataset.name),
    errorNames: [...document.querySelectorAll('#error-table tr.error-row td:nth-child(2)')].map((td) => td.textContent),
    layerNames: [...document.querySelectorAll('#layer-table tr.layer-row td:nth-child(2)')].map((td) => td.textContent),
    drawn: document.querySelectorAll('canvas[data-drawn="1"]').length,
  }));
  const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
  check(seen.pwned === undefined, 'no injected script ran (window.pwned is ' + seen.pwned + ')');
  check(seen.scripts === 2 && seen.images === 0, `the page's own 2 scripts and no img (${seen.scripts}, ${seen.images})`);
  check(seen.title === title, 'the title shows as text: ' + JSON.stringify(seen.title));
  check(same(seen.cards, names), 'every tensor heading shows its name: ' + JSON.stringify(seen.cards));
  check(same(seen.dataNames, names), 'every tensor section carries its name');
  // The error table is worst first: ascending SQNR, and the first name's is +inf (last).
  const sorted = names.slice(1).concat(names.slice(0, 1));
  check(same(seen.errorNames, sorted), 'the error table shows every name, worst first: ' + JSON.stringify(seen.errorNames));
  check(same(seen.layerNames, names), 'the layer table shows every name');
  check(seen.drawn === 2 * names.length, `${seen.drawn} charts drawn of ${2 * names.length}`);
} finally {
  await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
check(errors.length === 0, 'no console or page errors' + (errors.length ? ': ' + errors.join('; ') : ''));
check(requests.length === 0, 'no network requests' + (requests.length ? ': ' + requests.join(', ') : ''));
if (failures.length) {
  console.log(failures.length + ' check(s) failed');
  process.exit(1);
}
console.log('all checks passed');
