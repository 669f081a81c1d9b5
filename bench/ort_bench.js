#!/usr/bin/env node
// ONNX Runtime (CPU execution provider) timing server for bench/bench_fp32.
//
// Reads one JSON command per line on stdin and answers one JSON line on stdout, so that the C++
// benchmark can interleave ONNX Runtime and int8rt runs under the same machine load:
//   {"cmd":"load","model":PATH,"input":NAME,"shape":[N,C,H,W],"threads":T}  -> {"ok":true}
//   {"cmd":"run","iterations":K}  -> {"ok":true,"times_ms":[...]}   (one wall time per run)
//   {"cmd":"quit"}
// Errors answer {"ok":false,"error":"..."}. Needs `onnxruntime-node` (scripts/bench installs it
// into bench/node_modules).
'use strict';

const readline = require('readline');

let ort;
try {
  ort = require('onnxruntime-node');
} catch (e) {
  process.stdout.write(JSON.stringify({ok: false, error: 'cannot load onnxruntime-node: ' + e.message}) + '\n');
  process.exit(1);
}

let session = null;
let feeds = null;

async function load(cmd) {
  // Same thread count as int8rt, no inter-op parallelism, every graph optimization (ORT's
  // default for the CPU provider, including its NCHWc layout transformer).
  session = await ort.InferenceSession.create(cmd.model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: cmd.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const count = cmd.shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(count);
  let state = 12345;
  for (let i = 0; i < count; ++i) {  // deterministic values in [0, 1)
    state = (state * 1103515245 + 12345) >>> 0;
    data[i] = (state >>> 8) / 16777216;
  }
  feeds = {[cmd.input]: new ort.Tensor('float32', data, cmd.shape)};
}

async function run(cmd) {
  const times = [];
  for (let i = 0; i < cmd.iterations; ++i) {
    const start = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return times;
}

async function main() {
  const lines = readline.createInterface({input: process.stdin, terminal: false});
  for await (const line of lines) {
    if (!line.trim()) continue;
    let reply;
    try {
      const cmd = JSON.parse(line);
      if (cmd.cmd === 'quit') break;
      if (cmd.cmd === 'load') {
        await load(cmd);
        reply = {ok: true};
      } else if (cmd.cmd === 'run') {
        reply = {ok: true, times_ms: await run(cmd)};
      } else {
        reply = {ok: false, error: 'unknown command ' + cmd.cmd};
      }
    } catch (e) {
      reply = {ok: false, error: String(e && e.message ? e.message : e)};
    }
    process.stdout.write(JSON.stringify(reply) + '\n');
  }
  process.exit(0);
}

main();
