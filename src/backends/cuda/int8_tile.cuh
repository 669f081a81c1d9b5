// The tiled INT8 matrix product that INT8 Conv (implicit GEMM) and Gemm/MatMul share:
// C[rows, cols] = A[rows, K] · B[cols, K]ᵀ in int32, K consumed as 32-bit words of four int8
// values with __dp4a. A block of kTileThreads threads computes a kTileRows x kTileCols tile from
// kTileWords-word slices of A and B staged in shared memory; each thread keeps 4 x 4 int32
// accumulators and hands each finished one to the epilogue.
//
//   a(row, word) -> int32: four int8 values of A (zero outside the matrix)
//   b(col, word) -> int32: four int8 values of B (zero outside the matrix)
//   epilogue(row, col, acc): called once for every row < rows, col < cols
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace int8rt::cuda {

constexpr int kTileRows = 64;
constexpr int kTileCols = 64;
constexpr int kTileWords = 8;  // 32 bytes of K per step
constexpr int kTileThreads = 256;

// Whether `cols` columns fit the grid's y dimension (65535 tiles of kTileCols).
inline bool fits_tile_grid(int64_t cols) {
  return cols <= int64_t{65535} * kTileCols;
}

// Row tiles along x (up to 2^31 - 1), column tiles along y.
inline dim3 tile_grid(int64_t rows, int64_t cols) {
  return dim3(static_cast<unsigned>((rows + kTileRows - 1) / kTileRows),
              static_cast<unsigned>((cols + kTileCols - 1) / kTileCols));
}

template <typename LoadA, typename LoadB, typename Epilogue>
__device__ __forceinline__ void dp4a_tile(int64_t rows, int64_t cols, int64_t k_words,
                                          const LoadA& a_word, const LoadB& b_word,
                                          const Epilogue& epilogue) {
  __shared__ int32_t a_tile[kTileWords][kTileRows];
  __shared__ int32_t b_tile[kTileWords][kTileCols];
  const int tid = threadIdx.x;
  const int tx = tid % 16, ty = tid / 16;
  const int64_t row0 = int64_t{blockIdx.x} * kTileRows;
  const int64_t col0 = int64_t{blockIdx.y} * kTileCols;
  int32_t acc[4][4] = {};
  for (int64_t k0 = 0; k0 < k_words; k0 += kTileWords) {
#pragma unroll
    for (int i = 0; i < kTileRows * kTileWords / kTileThreads; ++i) {
      const int e = tid + i * kTileThreads;
      const int word = e % kTileWords;
      const int line = e / kTileWords;
      const int64_t k = k0 + word;
      const int64_t row = row0 + line;
      const int64_t col = col0 + line;
      a_tile[word][line] = row < rows && k < k_words ? a_word(row, k) : 0;
      b_tile[word][line] = col < cols && k < k_words ? b_word(col, k) : 0;
    }
    __syncthreads();
#pragma unroll
    for (int word = 0; word < kTileWords; ++word) {
      int32_t a[4], b[4];
#pragma unroll
      for (int i = 0; i < 4; ++i) {
        a[i] = a_tile[word][ty * 4 + i];
        b[i] = b_tile[word][tx * 4 + i];
      }
#pragma unroll
      for (int i = 0; i < 4; ++i) {
#pragma unroll
        for (int j = 0; j < 4; ++j)
          acc[i][j] = __dp4a(a[i], b[j], acc[i][j]);
      }
    }
    __syncthreads();
  }
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const int64_t row = row0 + ty * 4 + i;
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const int64_t col = col0 + tx * 4 + j;
      if (row < rows && col < cols) epilogue(row, col, acc[i][j]);
    }
  }
}

}  // namespace int8rt::cuda
