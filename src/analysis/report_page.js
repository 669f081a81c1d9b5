// int8rt report page: draws the JSON of #report-data (int8rt::report_json) as tables and <canvas>
// charts. No libraries, nothing loaded from elsewhere. Embedded by src/analysis/report_embed.cmake.
'use strict';
(function () {
  const state = { chartsDrawn: 0, chartsExpected: 0, tensors: 0, ready: false };
  window.int8rtReport = state;

  const data = JSON.parse(document.getElementById('report-data').textContent);
  const main = document.getElementById('report');

  // Non-finite numbers arrive as the strings "Infinity", "-Infinity", "NaN".
  const num = (v) => (typeof v === 'string' ? Number(v) : v);

  const COLORS = {
    entropy2: '#1f77b4', entropy: '#17becf', minmax: '#d62728', percentile: '#9467bd',
    mse: '#2ca02c', legacy: '#8c564b', build: '#000000',
  };
  const colorOf = (name) => COLORS[name] || '#777777';

  // el('td', {class: 'num'}, 'text', child...): strings become text nodes, never markup.
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null) continue;
      if (key === 'class') node.className = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) {
      if (child === undefined || child === null) continue;
      node.appendChild(typeof child === 'string' || typeof child === 'number'
        ? document.createTextNode(String(child)) : child);
    }
    return node;
  }

  function fmt(value, digits) {
    const v = num(value);
    if (v === null || v === undefined) return '–';
    if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : (v > 0 ? '+∞' : '−∞');
    if (v === 0) return '0';
    const a = Math.abs(v);
    if (a >= 1e5 || a < 1e-3) return v.toExponential(Math.max(0, (digits || 4) - 1));
    return Number(v.toPrecision(digits || 4)).toString();
  }
  const percent = (part, whole) => (whole > 0 ? (100 * part / whole).toFixed(2) + ' %' : '–');

  // ------------------------------------------------------------------------------ summary

  function summarySection() {
    const items = [];
    const add = (key, value) => items.push(el('div', {}, el('span', { class: 'key' }, key),
      el('span', { class: 'value' }, value)));
    add('model', data.model || '–');
    add('INT8 engine', data.engine ? data.engine : 'built from the model');
    if (data.backend) add('backend', data.backend);
    const cal = data.calibration;
    if (cal) {
      // With a plan file the histograms' calibrator need not be the one the plan was built with.
      add(data.engine ? 'calibrator of the histograms' : 'calibrator', cal.algorithm);
      add('calibration', cal.samples + ' samples, ' + cal.batches + ' batches');
    }
    if (data.calibration_data) add('calibration data', data.calibration_data);
    const cmp = data.comparison;
    if (cmp) {
      add('compared samples', String(cmp.samples));
      if (data.comparison_data) add('compared data', data.comparison_data);
      if (cmp.labelled) {
        const a32 = cmp.fp32_accuracy, a8 = cmp.int8_accuracy;
        add('FP32 top-1 accuracy', percent(a32.correct, a32.total) + ' (' + a32.correct + '/' + a32.total + ')');
        add('INT8 top-1 accuracy', percent(a8.correct, a8.total) + ' (' + a8.correct + '/' + a8.total + ')');
      }
      add('INT8 top-1 = FP32 top-1', percent(cmp.top1_agreement, cmp.samples) +
        ' (' + cmp.top1_agreement + '/' + cmp.samples + ')');
      const worst = sortedComparisons()[0];
      if (worst) add('worst tensor', worst.name + ': ' + fmt(worst.sqnr_db, 3) + ' dB');
    }
    if (data.layers.length) {
      const int8 = data.layers.filter((l) => l.precision === 'int8').length;
      add('INT8 layers', int8 + ' of ' + data.layers.length);
    }
    for (const [key, value] of data.notes) add(key, value);
    return [el('h2', { id: 'summary' }, 'Summary'), el('div', { class: 'summary' }, ...items)];
  }

  // ------------------------------------------------------------------------------ tables

  // Worst first: ascending SQNR (NaN last), then name.
  function sortedComparisons() {
    const key = (t) => { const v = num(t.sqnr_db); return Number.isNaN(v) ? Infinity : v; };
    const order = (x, y) => (x < y ? -1 : x > y ? 1 : 0);
    return data.comparison.tensors.slice().sort((a, b) => order(key(a), key(b)) || order(a.name, b.name));
  }

  function barCell(value, fraction, color, digits) {
    const width = Math.max(0, Math.min(1, fraction)) * 100;
    return el('td', { class: 'num bar' },
      el('span', { class: 'fill', style: 'width:' + width.toFixed(1) + '%;background:' + color }),
      el('span', { class: 'text' }, fmt(value, digits)));
  }

  const sqnrColor = (db) => (db < 20 ? 'var(--bad)' : db < 30 ? 'var(--fair)' : 'var(--good)');

  function errorSection(tensorIds) {
    const rows = sortedComparisons();
    const finite = rows.map((t) => num(t.sqnr_db)).filter(Number.isFinite);
    const maxDb = Math.max(1, ...finite);
    const maxL2 = Math.max(1e-12, ...rows.map((t) => num(t.relative_l2)).filter(Number.isFinite));
    const head = el('tr', {}, ...['#', 'tensor', 'layer', 'precision', 'shape', 'SQNR dB', 'cosine',
      'max |error|', 'relative L2'].map((h, i) => el('th', { class: i === 0 || i > 4 ? 'num' : '' }, h)));
    const body = el('tbody');
    rows.forEach((t, i) => {
      const db = num(t.sqnr_db);
      const name = tensorIds.has(t.name)
        ? el('a', { href: '#' + tensorIds.get(t.name) }, t.name) : t.name;
      body.appendChild(el('tr', { class: 'error-row' },
        el('td', { class: 'num' }, String(i + 1)),
        el('td', { class: 'name' }, name),
        el('td', { class: 'name' }, t.layer),
        el('td', { class: 'prec-' + t.precision }, t.precision),
        el('td', {}, t.dims),
        barCell(db, Number.isFinite(db) ? db / maxDb : 1, sqnrColor(db), 4),
        el('td', { class: 'num' }, fmt(t.cosine, 6)),
        el('td', { class: 'num' }, fmt(t.max_abs_error, 4)),
        barCell(t.relative_l2, num(t.relative_l2) / maxL2, 'var(--bad)', 4)));
    });
    return [el('h2', { id: 'errors' }, 'Layer-wise error (INT8 vs FP32), worst first'),
      el('p', { class: 'muted' }, 'Every tensor both engines compute, over ' + data.comparison.samples +
        ' samples. SQNR = 10·log10(Σ fp32² / Σ (int8 − fp32)²); the SQNR bar is longer for a ' +
        'better tensor, the relative-L2 bar for a worse one.'),
      el('table', { id: 'error-table' }, el('thead', {}, head), body)];
  }

  function layerSection() {
    const scales = (list) => list.map((s) => s.name + ' (amax ' + fmt(num(s.scale) * 127, 5) + ')').join(', ');
    const head = el('tr', {}, ...['#', 'layer', 'op', 'precision', 'kernel', 'INT8 inputs', 'INT8 outputs']
      .map((h, i) => el('th', { class: i === 0 ? 'num' : '' }, h)));
    const body = el('tbody');
    data.layers.forEach((l, i) => body.appendChild(el('tr', { class: 'layer-row' },
      el('td', { class: 'num' }, String(i + 1)), el('td', { class: 'name' }, l.name),
      el('td', {}, l.op), el('td', { class: 'prec-' + l.precision }, l.precision),
      el('td', { class: 'name' }, l.kernel), el('td', { class: 'name' }, scales(l.int8_inputs)),
      el('td', { class: 'name' }, scales(l.int8_outputs)))));
    return [el('h2', { id: 'layers' }, 'Engine layers'),
      el('table', { id: 'layer-table' }, el('thead', {}, head), body)];
  }

  // ------------------------------------------------------------------------------ charts

  const CHART = { width: 360, height: 200, left: 56, right: 12, top: 12, bottom: 36 };

  // A canvas sized for the screen's pixel density, with a 2-D context in CSS pixels.
  function makeCanvas(kind) {
    const canvas = el('canvas', { class: 'chart chart-' + kind, width: CHART.width, height: CHART.height });
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(CHART.width * ratio);
    canvas.height = Math.round(CHART.height * ratio);
    canvas.style.width = CHART.width + 'px';
    canvas.style.height = CHART.height + 'px';
    const ctx = canvas.getContext('2d');
    ctx.scale(ratio, ratio);
    return { canvas, ctx };
  }

  // "Nice" tick values covering [lo, hi].
  function ticks(lo, hi, count) {
    if (!(hi > lo)) return [lo];
    const raw = (hi - lo) / count;
    const step = Math.pow(10, Math.floor(Math.log10(raw)));
    const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => s >= raw) || raw;
    const out = [];
    for (let v = Math.ceil(lo / nice) * nice; v <= hi + nice * 1e-9; v += nice) out.push(v);
    return out;
  }

  function frame(ctx, xTicks, xOf, yTicks, yOf, yLabel, xLabel) {
    const { width, height, left, right, top, bottom } = CHART;
    ctx.font = '11px system-ui, sans-serif';
    ctx.strokeStyle = '#d8dce4';
    ctx.fillStyle = '#5c6475';
    ctx.lineWidth = 1;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const [v, label] of yTicks) {
      const y = Math.round(yOf(v)) + 0.5;
      ctx.beginPath(); ctx.moveTo(left, y); ctx.lineTo(width - right, y); ctx.stroke();
      ctx.fillText(label, left - 4, y);
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (const v of xTicks) {
      const x = Math.round(xOf(v)) + 0.5;
      ctx.beginPath(); ctx.moveTo(x, height - bottom); ctx.lineTo(x, height - bottom + 4); ctx.stroke();
      ctx.fillText(fmt(v, 3), x, height - bottom + 6);
    }
    ctx.strokeStyle = '#5c6475';
    ctx.strokeRect(left + 0.5, top + 0.5, width - left - right - 1, height - top - bottom - 1);
    ctx.fillText(xLabel, (left + width - right) / 2, height - 14);
    ctx.save();
    ctx.translate(12, (top + height - bottom) / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = 'middle';
    ctx.fillText(yLabel, 0, 0);
    ctx.restore();
  }

  function verticalLine(ctx, x, color, dashed, width) {
    ctx.save();
    ctx.strokeStyle = color;
    ctx.lineWidth = width || 1.5;
    if (dashed) ctx.setLineDash([5, 3]);
    ctx.beginPath();
    ctx.moveTo(Math.round(x) + 0.5, CHART.top);
    ctx.lineTo(Math.round(x) + 0.5, CHART.height - CHART.bottom);
    ctx.stroke();
    ctx.restore();
  }

  function noData(ctx, text) {
    ctx.fillStyle = '#5c6475';
    ctx.font = '13px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.fillText(text, CHART.width / 2, CHART.height / 2);
  }

  // The lines each tensor's charts show: every algorithm's threshold, then the build's.
  function thresholdLines(t) {
    const lines = t.thresholds.map((c) => ({ name: c.algorithm, amax: num(c.amax), build: false }));
    const used = t.engine_amax !== null ? num(t.engine_amax) : num(t.amax);
    lines.push({ name: 'build', amax: used, build: true });
    return lines.filter((l) => Number.isFinite(l.amax));
  }

  // Bars of log10(1 + count) over |x|, with the thresholds as vertical lines.
  function drawHistogram(ctx, t, readout) {
    const counts = t.counts;
    const w = num(t.bin_width);
    const lines = thresholdLines(t);
    const xMax = Math.max(num(t.max_abs) || 0, ...lines.map((l) => l.amax), counts.length * w) * 1.02 || 1;
    const yMax = Math.max(1, Math.log10(1 + Math.max(0, ...counts)));
    const { width, height, left, right, top, bottom } = CHART;
    const xOf = (x) => left + (x / xMax) * (width - left - right);
    const yOf = (y) => height - bottom - (y / yMax) * (height - top - bottom);
    const decades = [];
    for (let d = 0; d <= Math.ceil(yMax); ++d) if (d <= yMax) decades.push([d, d === 0 ? '1' : '1e' + d]);
    frame(ctx, ticks(0, xMax, 6), xOf, decades, yOf, 'count (log)', '|x|');
    if (!counts.length) {
      noData(ctx, 'no non-zero values');
    } else {
      ctx.fillStyle = '#7b8fb8';
      for (let i = 0; i < counts.length; ++i) {
        if (!counts[i]) continue;
        const x0 = xOf(i * w), x1 = Math.max(x0 + 1, xOf((i + 1) * w));
        const y = yOf(Math.log10(1 + counts[i]));
        ctx.fillRect(x0, y, x1 - x0, height - bottom - y);
      }
    }
    for (const l of lines) verticalLine(ctx, xOf(l.amax), colorOf(l.name), l.build, l.build ? 2 : 1.5);
    ctx.canvas.addEventListener('mousemove', (event) => {
      const box = ctx.canvas.getBoundingClientRect();
      const x = ((event.clientX - box.left) - left) / (width - left - right) * xMax;
      const i = Math.floor(x / w);
      readout.textContent = i >= 0 && i < counts.length
        ? '|x| in [' + fmt(i * w, 4) + ', ' + fmt((i + 1) * w, 4) + '): ' + counts[i] + ' values'
        : '';
    });
  }

  // The entropy search: KL divergence against the threshold, its minimum marked.
  function drawDivergence(ctx, t) {
    const xs = t.kl.amax.map(num), ys = t.kl.divergence.map(num);
    const finite = ys.filter(Number.isFinite);
    const { width, height, left, right, top, bottom } = CHART;
    if (!xs.length || !finite.length) {
      frame(ctx, [], () => 0, [], () => 0, 'KL divergence', 'threshold (amax)');
      noData(ctx, 'no entropy search for this tensor');
      return;
    }
    const xLo = Math.min(...xs), xHi = Math.max(...xs) > xLo ? Math.max(...xs) : xLo + 1;
    const yHi = Math.max(...finite) > 0 ? Math.max(...finite) * 1.05 : 1;
    const xOf = (x) => left + ((x - xLo) / (xHi - xLo)) * (width - left - right);
    const yOf = (y) => height - bottom - (y / yHi) * (height - top - bottom);
    frame(ctx, ticks(xLo, xHi, 6), xOf, ticks(0, yHi, 4).map((v) => [v, fmt(v, 3)]), yOf,
      'KL divergence', 'threshold (amax)');
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width - left - right, height - top - bottom);
    ctx.clip();
    ctx.strokeStyle = COLORS.entropy2;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    let pen = false;
    for (let i = 0; i < xs.length; ++i) {
      if (!Number.isFinite(ys[i])) { pen = false; continue; }
      if (pen) ctx.lineTo(xOf(xs[i]), yOf(ys[i])); else ctx.moveTo(xOf(xs[i]), yOf(ys[i]));
      pen = true;
    }
    ctx.stroke();
    for (const l of thresholdLines(t)) {
      if ((l.name === 'entropy2' || l.name === 'entropy' || l.build) && l.amax >= xLo && l.amax <= xHi) {
        verticalLine(ctx, xOf(l.amax), colorOf(l.name), l.build, l.build ? 2 : 1);
      }
    }
    const best = num(t.kl.best_amax);
    if (Number.isFinite(best)) {
      const i = xs.indexOf(best);
      if (i >= 0) {
        ctx.fillStyle = COLORS.minmax;
        ctx.beginPath();
        ctx.arc(xOf(best), yOf(ys[i]), 4, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
    ctx.restore();
  }

  function chart(kind, draw) {
    const { canvas, ctx } = makeCanvas(kind);
    try {
      draw(ctx);
      canvas.dataset.drawn = '1';
      state.chartsDrawn += 1;
    } catch (error) {
      console.error('int8rt report: ' + kind + ' chart failed: ' + error);
    }
    return canvas;
  }

  function tensorCard(t, id) {
    const lines = thresholdLines(t);
    const total = t.binned + t.zero;
    const stats = total + ' finite values (' + t.zero + ' zeros), max |x| ' + fmt(t.max_abs, 5) +
      (t.nan || t.inf ? ', ' + t.nan + ' NaN, ' + t.inf + ' ±Inf (not binned)' : '') +
      '; drawn in ' + t.counts.length + ' bars of ' + t.group + ' bin' + (t.group > 1 ? 's' : '') +
      ' (bin width ' + fmt(t.source_bin_width, 4) + ')';
    const rows = lines.map((l) => {
      const candidate = t.thresholds.find((c) => c.algorithm === l.name);
      const clipped = num(candidate ? candidate.clipped : t.engine_amax === null ? t.clipped_amax : t.clipped_engine);
      return el('tr', {},
        el('td', {}, el('span', { class: 'swatch', style: 'background:' + colorOf(l.name) }),
        l.build ? (t.engine_amax !== null ? 'used by the engine' : 'used by the build') : l.name),
        el('td', { class: 'num' }, fmt(l.amax, 6)),
        el('td', { class: 'num' }, fmt(l.amax / 127, 6)),
        el('td', { class: 'num' }, Number.isFinite(clipped) ? fmt(100 * clipped, 3) + ' %' : ''));
    });
    const table = el('table', { class: 'thresholds' },
      el('thead', {}, el('tr', {}, el('th', {}, 'threshold'), el('th', { class: 'num' }, 'amax'),
        el('th', { class: 'num' }, 'scale'), el('th', { class: 'num' }, 'clipped'))),
      el('tbody', {}, ...rows));
    const readout = el('div', { class: 'muted readout' }, '\u00a0');
    const histogram = chart('histogram', (ctx) => drawHistogram(ctx, t, readout));
    const divergence = chart('divergence', (ctx) => drawDivergence(ctx, t));
    return el('section', { class: 'tensor', id: id, 'data-name': t.name },
      el('h3', {}, t.name), el('div', { class: 'muted' }, stats),
      el('div', { class: 'charts' }, el('div', {}, histogram, readout), divergence, table));
  }

  function tensorSection(tensorIds) {
    const cal = data.calibration;
    const filter = el('input', { type: 'search', placeholder: 'filter tensors by name' });
    const cards = cal.tensors.map((t, i) => tensorCard(t, tensorIds.get(t.name) || 'tensor-' + i));
    filter.addEventListener('input', () => {
      const text = filter.value.toLowerCase();
      for (const card of cards) {
        card.classList.toggle('hidden', !card.dataset.name.toLowerCase().includes(text));
      }
    });
    return [el('h2', { id: 'tensors' }, 'Tensors: |x| histograms and thresholds (' + cal.algorithm + ' build)'),
      el('p', { class: 'muted' }, 'Left: the histogram of |x| over the calibration data (log counts) with ' +
        'the threshold each calibrator would choose; dashed black: the range the engine uses. Right: the ' +
        'KL divergence of keeping the first i bins, minimized by the entropy calibrators (red dot).'),
      el('div', { class: 'filter' }, filter), ...cards];
  }

  // ------------------------------------------------------------------------------ page

  const tensorIds = new Map();
  if (data.calibration) data.calibration.tensors.forEach((t, i) => tensorIds.set(t.name, 'tensor-' + i));
  const nav = el('nav', {}, el('a', { href: '#summary' }, 'Summary'));
  const parts = summarySection();
  if (data.comparison) {
    nav.appendChild(el('a', { href: '#errors' }, 'Layer-wise error'));
    parts.push(...errorSection(tensorIds));
  }
  if (data.layers.length) {
    nav.appendChild(el('a', { href: '#layers' }, 'Engine layers'));
    parts.push(...layerSection());
  }
  if (data.calibration) {
    nav.appendChild(el('a', { href: '#tensors' }, 'Tensors'));
    state.tensors = data.calibration.tensors.length;
    state.chartsExpected = state.tensors * data.charts_per_tensor;
    parts.push(...tensorSection(tensorIds));
  }
  main.appendChild(nav);
  for (const part of parts) main.appendChild(part);
  state.ready = true;
  document.body.dataset.ready = '1';
})();
