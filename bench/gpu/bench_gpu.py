#!/usr/bin/env python3
"""int8rt INT8 and FP16 on the GPU against PyTorch FP16, same GPU, same run.

Usage (on a GPU machine whose python3 has PyTorch and torchvision, from the checkout, after
scripts/test-gpu --packed or a CUDA build):

    python3 bench/gpu/bench_gpu.py [--int8rt build-gpu/bin/int8rt] [--models resnet50,...]
                                   [--batches 1,32,128] [--workdir build-gpu/bench-gpu]

For each model (torchvision ResNet-50, MobileNetV2 and VGG19 with seeded random weights, exported
by bench/models/export_torchvision.py; the PaddleOCR direction classifier when
--ocr-cls FILE.onnx is given) and batch it prints images/s of
  - PyTorch FP16: channels_last, cudnn.benchmark, replayed as a CUDA graph (the fastest form
    PyTorch offers for a fixed shape), timed with CUDA events;
  - int8rt INT8 (+FP16 for the layers that stay float): `int8rt bench --backend cuda --int8
    --fp16`, calibrated (Entropy2) on 64 seeded random images, timed with CUDA events around
    each enqueue on device buffers;
  - int8rt FP16: `int8rt bench --backend cuda --fp16`;
and the ratios to PyTorch, plus how many of the INT8 engine's layers left the GPU (and which).
Random weights make the accuracy meaningless: the figures are for speed only.
"""

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MODELS = {"resnet50": (3, 224, 224), "mobilenet_v2": (3, 224, 224), "vgg19": (3, 224, 224)}


def torch_fp16_images_per_second(name, batch, shape, iterations=50):
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)(weights=None).eval().cuda().half()
    model = model.to(memory_format=torch.channels_last)
    torch.backends.cudnn.benchmark = True
    x = torch.randn((batch,) + shape, device="cuda").half().to(memory_format=torch.channels_last)
    stream = torch.cuda.Stream()
    with torch.no_grad():
        stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(stream):
            for _ in range(5):  # cudnn.benchmark picks its algorithms here
                model(x)
        torch.cuda.current_stream().wait_stream(stream)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            model(x)
        for _ in range(5):
            graph.replay()
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        times = []
        for _ in range(iterations):
            start.record()
            graph.replay()
            end.record()
            end.synchronize()
            times.append(start.elapsed_time(end))
    return 1000.0 * batch / float(np.median(times)), float(np.median(times))


def shapes_flag(input_name, batch, shape):
    return f"{input_name}:{batch}x{'x'.join(map(str, shape))}"


def int8rt_bench(int8rt, onnx, batch, shape, workdir, int8, calibration, input_name="input"):
    args = [int8rt, "bench", "--backend", "cuda", "--onnx", onnx, "--batch", str(batch),
            "--shapes", shapes_flag(input_name, batch, shape), "--fp16", "--json",
            "--iterations", "100", "--warmup", "20"]
    if int8:
        cache = os.path.join(workdir, os.path.basename(onnx) + f".b{batch}.cache")
        args += ["--int8", "--data", f"npy:{calibration}", "--cache", cache]
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}\n{result.stderr}")
    timing = json.loads(result.stdout)
    return timing["samples_per_second"], timing["latency_ms"]["median"], result.stderr


def host_layers(int8rt, onnx, batch, shape, calibration, workdir, input_name="input"):
    """The INT8+FP16 engine's layers that run on the host (the GPU has no kernel for them)."""
    plan = os.path.join(workdir, os.path.basename(onnx) + f".b{batch}.plan")
    cache = os.path.join(workdir, os.path.basename(onnx) + f".b{batch}.cache")
    subprocess.run([int8rt, "build", "--backend", "cuda", "--onnx", onnx, "--batch", str(batch),
                    "--shapes", shapes_flag(input_name, batch, shape), "--fp16", "--int8",
                    "--data", f"npy:{calibration}", "--cache", cache, "--save-engine", plan],
                   check=True, capture_output=True)
    info = json.loads(subprocess.run([int8rt, "inspect", "--engine", plan, "--json"], check=True,
                                     capture_output=True, text=True).stdout)
    return [layer["name"] for layer in info["layers"]
            if layer["location"] != "device" and layer["op"] != "Reorder"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--int8rt", default=os.path.join(ROOT, "build-gpu", "bin", "int8rt"))
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--batches", default="1,32,128")
    ap.add_argument("--workdir", default=os.path.join(ROOT, "build-gpu", "bench-gpu"))
    ap.add_argument("--ocr-cls", help="the PaddleOCR direction classifier (input x [N,3,48,192])")
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    names = args.models.split(",")
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "models", "export_torchvision.py"),
                    args.workdir] + names, check=True)
    gpu = torch.cuda.get_device_name()
    print(f"GPU: {gpu}; PyTorch {torch.__version__}, cuDNN {torch.backends.cudnn.version()}")
    print(f"{'model':14} {'batch':>5} {'PyTorch FP16':>13} {'int8rt INT8':>12} {'ratio':>6} "
          f"{'int8rt FP16':>12} {'ratio':>6}  images/s (GPU time, median)")
    for name in names:
        shape = MODELS[name]
        onnx = os.path.join(args.workdir, f"{name}.onnx")
        for batch in map(int, args.batches.split(",")):
            calibration = os.path.join(args.workdir, f"calibration_{batch}.npy")
            if not os.path.exists(calibration):
                count = max(64 // batch, 1) * batch
                np.save(calibration, np.random.default_rng(0).standard_normal(
                    (count,) + shape, dtype=np.float32))
            torch_rate, _ = torch_fp16_images_per_second(name, batch, shape)
            int8_rate, _, _ = int8rt_bench(args.int8rt, onnx, batch, shape, args.workdir, True,
                                           calibration)
            fp16_rate, _, _ = int8rt_bench(args.int8rt, onnx, batch, shape, args.workdir, False,
                                           calibration)
            print(f"{name:14} {batch:5d} {torch_rate:13.0f} {int8_rate:12.0f} "
                  f"{int8_rate / torch_rate:6.2f} {fp16_rate:12.0f} {fp16_rate / torch_rate:6.2f}",
                  flush=True)
        hosted = host_layers(args.int8rt, onnx, 1, shape,
                             os.path.join(args.workdir, "calibration_1.npy"), args.workdir)
        print(f"{name}: {len(hosted)} layers of the INT8 engine on the host"
              + (f": {', '.join(hosted)}" if hosted else ""))
    if args.ocr_cls:
        shape = (3, 48, 192)
        calibration = os.path.join(args.workdir, "calibration_ocr.npy")
        np.save(calibration, np.random.default_rng(0).random((64,) + shape, dtype=np.float32))
        for batch in map(int, args.batches.split(",")):
            int8_rate, _, _ = int8rt_bench(args.int8rt, args.ocr_cls, batch, shape, args.workdir,
                                           True, calibration, "x")
            fp16_rate, _, _ = int8rt_bench(args.int8rt, args.ocr_cls, batch, shape, args.workdir,
                                           False, calibration, "x")
            print(f"{'ppocr_cls':14} {batch:5d} {'-':>13} {int8_rate:12.0f} {'-':>6} "
                  f"{fp16_rate:12.0f} {'-':>6}", flush=True)
        hosted = host_layers(args.int8rt, args.ocr_cls, 8, shape, calibration, args.workdir, "x")
        print(f"ppocr_cls: {len(hosted)} layers of the INT8 engine on the host"
              + (f": {', '.join(hosted)}" if hosted else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
