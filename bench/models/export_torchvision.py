#!/usr/bin/python3
"""Export torchvision ResNet-18, ResNet-50, MobileNetV2 and VGG19 (seeded random weights) to ONNX for benchmarks.

Usage:  /usr/bin/python3 bench/models/export_torchvision.py OUTDIR [MODEL ...]

MODEL is any of resnet18, resnet50, mobilenet_v2, vgg19 (default: the first three; VGG19's file is
0.5 GB). Writes OUTDIR/<model>.onnx:
input `input` float32 [N,3,224,224] (N symbolic), output `logits` float32 [N,1000], opset 13,
eval mode with BatchNormalization nodes kept (not folded into Conv). Models already present in
OUTDIR are skipped. Weights are random (torch.manual_seed(0) before each model is built), so the
files are for speed measurements only; their accuracy is meaningless. The outputs are not committed.
"""

import argparse
import os
import sys
import time
import warnings

import torch
import torchvision

MODELS = {
    "resnet18": torchvision.models.resnet18,
    "resnet50": torchvision.models.resnet50,
    "mobilenet_v2": torchvision.models.mobilenet_v2,
    "vgg19": torchvision.models.vgg19,
}
DEFAULT_MODELS = ["resnet18", "resnet50", "mobilenet_v2"]
SEED = 0


def legacy_exporter_kwargs():
    """Select the TorchScript-based exporter on torch versions whose default is the dynamo one."""
    import inspect
    return {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}


def onnx_export(model, dummy, path):
    """The TorchScript exporter at opset 13 where this torch has it, else the dynamo one (opset
    18: Reduce/Resize parameters as inputs, which int8rt reads as well)."""
    common = dict(input_names=["input"], output_names=["logits"],
                  dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
    try:
        # PRESERVE with the model in eval mode: inference-form BatchNormalization nodes; EVAL
        # would fold them into the convolutions.
        torch.onnx.export(model, dummy, path, opset_version=13, do_constant_folding=True,
                          training=torch.onnx.TrainingMode.PRESERVE, **legacy_exporter_kwargs(),
                          **common)
    except (TypeError, RuntimeError, ImportError):
        torch.onnx.export(model, dummy, path, opset_version=18, dynamo=True, **common)


def export(name, path):
    torch.manual_seed(SEED)
    model = MODELS[name](weights=None)
    model.eval()
    # Give BatchNorm non-trivial running statistics (as a trained network would have), so INT8
    # calibration and BN folding are exercised with realistic values rather than mean 0 / var 1.
    with torch.no_grad():
        gen = torch.Generator().manual_seed(SEED)
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                c = m.num_features
                m.weight.copy_(1.0 + 0.1 * torch.randn(c, generator=gen))
                m.bias.copy_(0.1 * torch.randn(c, generator=gen))
                m.running_mean.copy_(0.1 * torch.randn(c, generator=gen))
                m.running_var.copy_(1.0 + 0.1 * torch.rand(c, generator=gen))
    dummy = torch.zeros(1, 3, 224, 224)
    tmp = path + ".tmp"
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="It is recommended that constant folding be turned off")
        onnx_export(model, dummy, tmp)
    os.replace(tmp, path)
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir")
    ap.add_argument("models", nargs="*", metavar="MODEL",
                    help=f"models to export, of {', '.join(MODELS)} "
                         f"(default: {', '.join(DEFAULT_MODELS)})")
    args = ap.parse_args()
    names = args.models or DEFAULT_MODELS
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        ap.error(f"unknown model(s) {', '.join(unknown)}; choose from {', '.join(MODELS)}")
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    os.makedirs(args.outdir, exist_ok=True)
    for name in names:
        path = os.path.join(args.outdir, f"{name}.onnx")
        if os.path.exists(path):
            continue
        t0 = time.time()
        export(name, path)
        try:
            import onnx
            onnx.checker.check_model(path)
        except ImportError:
            pass
        print(f"exported {path} ({os.path.getsize(path) / 1e6:.1f} MB, {time.time() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
