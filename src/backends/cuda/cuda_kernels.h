// The CUDA kernel factories, one per family file (src/backends/cuda/<family>.cu). Each returns a
// kernel, a null kernel when it does not handle the layer's configuration (lowering then hands the
// layer to the CPU backend, with transfers, and warns), or an error naming the layer.
//
// INT8 (a data input is kInt8 with a range; docs/int8.md): every kernel computes what the
// reference INT8 kernels compute, bit for bit (int32 accumulation, the output stage of
// backends/quant.h with explicit IEEE roundings: no contraction into fused multiply-adds).
// Float layers run FP32, or FP16 when the request allows it (half storage, float arithmetic
// inside each kernel).
#pragma once

#include "backends/backend.h"
#include "backends/cuda/cuda_common.h"

namespace int8rt::cuda {

// reformat.cu: Quantize, Dequantize, the layout reorders, and plain copies (Reshape, Flatten,
// Squeeze, Unsqueeze, Identity) of any dtype.
Result<KernelPtr> make_quantize(const KernelRequest& request);
Result<KernelPtr> make_dequantize(const KernelRequest& request);
Result<KernelPtr> make_copy(const KernelRequest& request);
Result<KernelPtr> make_reorder(DataType dtype, const Dims& dims, const Layout& from,
                               const Layout& to);
// A plain tensor copied between host and device memory (and the stream waited for when the host
// reads it next).
Result<KernelPtr> make_transfer(DataType dtype, const Dims& dims, TensorLocation from,
                                TensorLocation to);

// int8_conv.cu, int8_gemm.cu, int8_pooling.cu, int8_elementwise.cu.
Result<KernelPtr> make_int8_conv(const KernelRequest& request);
Result<KernelPtr> make_int8_gemm(const KernelRequest& request);  // Gemm and MatMul
Result<KernelPtr> make_int8_pooling(const KernelRequest& request);
Result<KernelPtr> make_int8_add(const KernelRequest& request);
Result<KernelPtr> make_int8_concat(const KernelRequest& request);

// Float (FP32 or FP16) kernels.
Result<KernelPtr> make_conv(const KernelRequest& request);       // conv.cu (cuDNN)
Result<KernelPtr> make_gemm(const KernelRequest& request);       // gemm.cu (cuBLASLt)
Result<KernelPtr> make_unary(const KernelRequest& request);      // elementwise.cu
Result<KernelPtr> make_binary(const KernelRequest& request);     // elementwise.cu
Result<KernelPtr> make_pooling(const KernelRequest& request);    // pooling.cu
Result<KernelPtr> make_softmax(const KernelRequest& request);    // softmax.cu
Result<KernelPtr> make_concat(const KernelRequest& request);     // data_movement.cu
Result<KernelPtr> make_transpose(const KernelRequest& request);  // data_movement.cu
Result<KernelPtr> make_slice(const KernelRequest& request);      // data_movement.cu
Result<KernelPtr> make_reduce(const KernelRequest& request);     // reduce.cu
Result<KernelPtr> make_resize(const KernelRequest& request);     // resize.cu
Result<KernelPtr> make_batchnorm(const KernelRequest& request);  // elementwise.cu

// histogram.cu: calibration's |x| histograms built on the device.
Result<std::unique_ptr<HistogramCollector>> make_histogram_collector(size_t count);

// Whether an INT8 kernel of this backend runs `layer` (the precision pass asks, through
// Backend::supports).
bool supports_int8(const Layer& layer);

}  // namespace int8rt::cuda
