#!/usr/bin/python3
"""Quantize models with PyTorch (static post-training, onednn engine) and export them as QDQ ONNX.

Usage:  /usr/bin/python3 bench/models/export_qdq.py OUTDIR [MODEL ...] [--verify]

MODEL is any of resnet_fmnist, mobilenetv2_fmnist (the bundled Fashion-MNIST models), resnet18,
resnet50, mobilenet_v2 (torchvision, seeded random weights as in export_torchvision.py); default:
all five. For each model it writes
  OUTDIR/<model>.onnx      the FP32 model int8rt builds its engines from (the bundled file is
                           copied; torchvision models are exported by export_torchvision.py)
  OUTDIR/<model>_qdq.onnx  the INT8 model for ONNX Runtime: QuantizeLinear/DequantizeLinear pairs
                           around Conv/Gemm/Add/pooling, as torch 1.13 exports a quantized model
Files already present are kept.

Quantization: torch.backends.quantized.engine = "onednn", FX graph mode with the default onednn
QConfigMapping (HistogramObserver on activations, uint8 with a zero point; per-channel symmetric
int8 weights), calibrated on 500 samples: the first 500 Fashion-MNIST training images for the
fmnist models, seeded standard-normal [3,224,224] tensors for torchvision (whose weights are random
anyway: those files are for speed measurements only).

The fmnist models are rebuilt from their training scripts' module classes with the weights taken
from the ONNX file's initializers (named after the state-dict keys), and checked against
models/reference/<model>_logits.npy before quantizing. --verify runs every QDQ file in ONNX
Runtime (node + bench/node_modules/onnxruntime-node, as bench/ort_bench.js does) and prints the
t10k accuracy of the fmnist models in FP32, PyTorch INT8 and ONNX Runtime INT8.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, "models"))

FMNIST = ("resnet_fmnist", "mobilenetv2_fmnist")
TORCHVISION = ("resnet18", "resnet50", "mobilenet_v2")
CALIBRATION_SAMPLES = 500
SEED = 0


def fmnist_module(name):
    """The training script's module with the bundled ONNX file's weights."""
    import onnx
    from onnx import numpy_helper
    if name == "resnet_fmnist":
        from train_resnet_fmnist import ResNetFMNIST as cls
    else:
        from train_mobilenetv2_fmnist import MobileNetV2FMNIST as cls
    model = cls()
    inits = {t.name: numpy_helper.to_array(t)
             for t in onnx.load(os.path.join(REPO, "models", f"{name}.onnx")).graph.initializer}
    state = model.state_dict()
    missing = [k for k in state if k not in inits and not k.endswith("num_batches_tracked")]
    if missing:
        raise SystemExit(f"{name}.onnx lacks initializers for {', '.join(missing)}")
    model.load_state_dict({k: torch.from_numpy(inits[k].copy()) if k in inits else v
                           for k, v in state.items()})
    return model.eval()


def fmnist_data(split):
    import common
    images, labels = common.load_fashion_mnist(split)
    return common.to_input(images), labels


def logits_of(model, x, batch=500):
    with torch.no_grad():
        return torch.cat([model(x[k:k + batch]) for k in range(0, x.shape[0], batch)]).numpy()


def quantize(model, example, calibration):
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
    torch.backends.quantized.engine = "onednn"
    prepared = prepare_fx(model, get_default_qconfig_mapping("onednn"), (example,))
    with torch.no_grad():
        for k in range(0, calibration.shape[0], 50):
            prepared(calibration[k:k + 50])
    return convert_fx(prepared)


def export_qdq(qmodel, example, path):
    import export_torchvision
    tmp = path + ".tmp"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(qmodel, example, tmp, opset_version=13, do_constant_folding=True,
                          input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
                          **export_torchvision.legacy_exporter_kwargs())
    os.replace(tmp, path)


def run_ort(path, x):
    """Logits of ONNX Runtime (node, CPU provider, 2 threads) on float32 inputs x [n, ...]."""
    script = r"""
const fs = require('fs');
const ort = require(process.argv[1]);
(async () => {
  const [model, inPath, outPath, ...shape] = process.argv.slice(2);
  const dims = shape.map(Number);
  const s = await ort.InferenceSession.create(model, {intraOpNumThreads: 2, interOpNumThreads: 1});
  const buf = fs.readFileSync(inPath);
  const all = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
  const per = dims.slice(1).reduce((a, b) => a * b, 1);
  const out = [];
  for (let k = 0; k < dims[0]; k += 500) {
    const n = Math.min(500, dims[0] - k);
    const t = new ort.Tensor('float32', all.slice(k * per, (k + n) * per), [n, ...dims.slice(1)]);
    const r = await s.run({[s.inputNames[0]]: t});
    out.push(Buffer.from(r[s.outputNames[0]].data.buffer));
  }
  fs.writeFileSync(outPath, Buffer.concat(out));
})().catch(e => { console.error(String(e)); process.exit(1); });
"""
    ort_module = os.path.join(REPO, "bench", "node_modules", "onnxruntime-node")
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = os.path.join(tmp, "x.bin"), os.path.join(tmp, "y.bin")
        np.ascontiguousarray(x.numpy(), dtype=np.float32).tofile(inp)
        subprocess.run(["node", "-e", script, ort_module, path, inp, out, *map(str, x.shape)],
                       check=True)
        return np.fromfile(out, dtype=np.float32).reshape(x.shape[0], -1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir")
    ap.add_argument("models", nargs="*", metavar="MODEL")
    ap.add_argument("--verify", action="store_true",
                    help="run the QDQ files in ONNX Runtime; fmnist accuracies on t10k")
    args = ap.parse_args()
    known = FMNIST + TORCHVISION
    names = args.models or list(known)
    unknown = [n for n in names if n not in known]
    if unknown:
        ap.error(f"unknown model(s) {', '.join(unknown)}; choose from {', '.join(known)}")
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    os.makedirs(args.outdir, exist_ok=True)
    for name in names:
        fp32_path = os.path.join(args.outdir, f"{name}.onnx")
        qdq_path = os.path.join(args.outdir, f"{name}_qdq.onnx")
        t0 = time.time()
        if name in FMNIST:
            if not os.path.exists(fp32_path):
                shutil.copyfile(os.path.join(REPO, "models", f"{name}.onnx"), fp32_path)
            example = torch.zeros(1, 1, 28, 28)
        else:
            example = torch.zeros(1, 3, 224, 224)
        if not os.path.exists(qdq_path) or (name in TORCHVISION and not os.path.exists(fp32_path)):
            if name in FMNIST:
                model = fmnist_module(name)
                x_test, _ = fmnist_data("t10k")
                ref = np.load(os.path.join(REPO, "models", "reference", f"{name}_logits.npy"))
                diff = float(np.abs(logits_of(model, x_test) - ref).max())
                if diff > 1e-3:
                    raise SystemExit(f"{name}: rebuilt module differs from the reference logits "
                                     f"by {diff}")
                calibration = fmnist_data("train")[0][:CALIBRATION_SAMPLES]
            else:
                import export_torchvision
                # Same seeded weights as the FP32 file (export_torchvision.export rebuilds them).
                model = export_torchvision.export(name, fp32_path).eval()
                gen = torch.Generator().manual_seed(SEED)
                calibration = torch.randn(CALIBRATION_SAMPLES, 3, 224, 224, generator=gen)
            qmodel = quantize(model, example, calibration)
            export_qdq(qmodel, example, qdq_path)
            print(f"exported {qdq_path} ({os.path.getsize(qdq_path) / 1e6:.1f} MB, "
                  f"{time.time() - t0:.1f} s)", flush=True)
        if args.verify:
            if name in FMNIST:
                x_test, y_test = fmnist_data("t10k")
                y = y_test.numpy() if hasattr(y_test, "numpy") else np.asarray(y_test)
                ref = np.load(os.path.join(REPO, "models", "reference", f"{name}_logits.npy"))
                ort_logits = run_ort(qdq_path, x_test)
                print(f"{name}: t10k accuracy FP32 {np.mean(ref.argmax(1) == y) * 100:.2f}%, "
                      f"ONNX Runtime INT8 (QDQ) {np.mean(ort_logits.argmax(1) == y) * 100:.2f}%, "
                      f"top-1 agreement with FP32 "
                      f"{np.mean(ort_logits.argmax(1) == ref.argmax(1)) * 100:.2f}%", flush=True)
            else:
                x = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(1))
                logits = run_ort(qdq_path, x)
                print(f"{name}: ONNX Runtime runs the QDQ model, logits {logits.shape}, "
                      f"finite {bool(np.isfinite(logits).all())}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
