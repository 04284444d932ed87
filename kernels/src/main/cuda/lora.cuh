// Multi-LoRA kernels (Punica BGMV/SGMV, S-LoRA heterogeneous ranks) over a slot pool:
//   a_pool[slot][r_max][in]   rows j < ranks[slot] hold A (PEFT [r, in]), the rest is unused;
//   b_pool[slot][r_max][out]  rows j < ranks[slot] hold B transposed (PEFT B is [out, r]; the scale
//                             is folded in), so the threads of an expand, one per output column,
//                             read consecutive addresses (coalesced) for each j;
//   ranks[slot]               0 marks an empty slot; slot -1 in a row's slot means "no adapter".
// v is always fp32 [rows, r_max]. Semantics: Backend.bgmvShrink/bgmvExpand/sgmvShrink/sgmvExpand.
#pragma once
#include "lf_common.cuh"

#define LF_LORA_THREADS 128

// bgmv_shrink: grid (r_max, rows), block 128. v[b, j] = x[b] . A[slot(b)][j] for j < rank, else 0,
// so v needs no clearing. One block per (rank row, request), block-wide reduction over in.
template <typename T>
__device__ __forceinline__ void bgmv_shrink_impl(const T* __restrict__ x,
                                                 const T* __restrict__ a_pool,
                                                 const int* __restrict__ ranks,
                                                 const int* __restrict__ slot_of_row,
                                                 float* __restrict__ v, int in, int r_max) {
  int j = blockIdx.x;
  int b = blockIdx.y;
  int slot = slot_of_row[b];
  int rank = slot < 0 ? 0 : ranks[slot];
  if (j >= rank) {  // uniform over the block: no thread is left waiting at a barrier
    if (threadIdx.x == 0) v[(size_t)b * r_max + j] = 0.0f;
    return;
  }
  const T* xr = x + (size_t)b * in;
  const T* ar = a_pool + ((size_t)slot * r_max + j) * in;
  float acc = 0.0f;
  for (int i = threadIdx.x; i < in; i += blockDim.x) acc += lf_load(xr + i) * lf_load(ar + i);
  acc = lf_block_sum(acc);
  if (threadIdx.x == 0) v[(size_t)b * r_max + j] = acc;
}
#define LF_BGMV_SHRINK_PARAMS(T)                                                          \
  (const T* x, const T* a_pool, const int* ranks, const int* slot_of_row, float* v, int in, \
   int r_max)
LF_KERNEL_F32_BF16(bgmv_shrink, LF_LORA_THREADS, LF_BGMV_SHRINK_PARAMS,
                   (x, a_pool, ranks, slot_of_row, v, in, r_max))

// bgmv_expand: grid (ceil(out / 128), rows), block 128. y[b, o] += v[b, :rank] . B[slot(b)][o, :rank],
// reading B^T[slot][j][o] (coalesced over o).
template <typename T>
__device__ __forceinline__ void bgmv_expand_impl(const float* __restrict__ v,
                                                 const T* __restrict__ b_pool,
                                                 const int* __restrict__ ranks,
                                                 const int* __restrict__ slot_of_row,
                                                 T* __restrict__ y, int out, int r_max) {
  int o = blockIdx.x * blockDim.x + threadIdx.x;
  int b = blockIdx.y;
  int slot = slot_of_row[b];
  if (slot < 0 || o >= out) return;
  int rank = ranks[slot];
  if (rank == 0) return;
  const float* vr = v + (size_t)b * r_max;
  const T* bt = b_pool + (size_t)slot * r_max * out + o;
  float acc = 0.0f;
  for (int j = 0; j < rank; j++) acc += vr[j] * lf_load(bt + (size_t)j * out);
  T* yp = y + (size_t)b * out + o;
  lf_store(yp, lf_load(yp) + acc);
}
#define LF_BGMV_EXPAND_PARAMS(T)                                                          \
  (const float* v, const T* b_pool, const int* ranks, const int* slot_of_row, T* y, int out, \
   int r_max)
LF_KERNEL_F32_BF16(bgmv_expand, LF_LORA_THREADS, LF_BGMV_EXPAND_PARAMS,
                   (v, b_pool, ranks, slot_of_row, y, out, r_max))

// SGMV over the sorted-token form of AdapterGroups: group g owns the rows
// tok_idx_sorted[slot_start[g] .. slot_start[g+1]) and uses slot slot_ids[g].
#define LF_SGMV_BM 16   // rows per tile
#define LF_SGMV_BK 64   // reduction chunk of in
#define LF_SGMV_RMAX 64 // largest r_max the tiles hold

// sgmv_shrink: grid (groups, row tiles), block 128; v must be zeroed by the caller (columns >= rank
// and rows of no group are not written). Each block computes a BM x rank tile of one group: X rows
// (gathered) and the slot's A are staged through shared memory in BK-wide chunks, and each thread
// accumulates BM*r_max/128 outputs in registers.
template <typename T>
__device__ __forceinline__ void sgmv_shrink_impl(const T* __restrict__ x,
                                                 const T* __restrict__ a_pool,
                                                 const int* __restrict__ ranks,
                                                 const int* __restrict__ tok_idx_sorted,
                                                 const int* __restrict__ slot_start,
                                                 const int* __restrict__ slot_ids,
                                                 float* __restrict__ v, int in, int r_max) {
  __shared__ float xs[LF_SGMV_BM][LF_SGMV_BK];
  __shared__ float as[LF_SGMV_RMAX][LF_SGMV_BK + 1];
  constexpr int kPerThread = LF_SGMV_BM * LF_SGMV_RMAX / LF_LORA_THREADS;
  int g = blockIdx.x;
  int first = slot_start[g] + blockIdx.y * LF_SGMV_BM;
  int end = slot_start[g + 1];
  int slot = slot_ids[g];
  int rank = ranks[slot];
  if (first >= end || rank == 0) return;  // uniform over the block
  int rows = min(LF_SGMV_BM, end - first);
  const T* a = a_pool + (size_t)slot * r_max * in;
  float acc[kPerThread];
#pragma unroll
  for (int q = 0; q < kPerThread; q++) acc[q] = 0.0f;
  for (int k0 = 0; k0 < in; k0 += LF_SGMV_BK) {
    int kw = min(LF_SGMV_BK, in - k0);
    for (int e = threadIdx.x; e < LF_SGMV_BM * LF_SGMV_BK; e += blockDim.x) {
      int r = e / LF_SGMV_BK, k = e % LF_SGMV_BK;
      xs[r][k] = (r < rows && k < kw) ? lf_load(x + (size_t)tok_idx_sorted[first + r] * in + k0 + k)
                                      : 0.0f;
    }
    for (int e = threadIdx.x; e < LF_SGMV_RMAX * LF_SGMV_BK; e += blockDim.x) {
      int j = e / LF_SGMV_BK, k = e % LF_SGMV_BK;
      as[j][k] = (j < rank && k < kw) ? lf_load(a + (size_t)j * in + k0 + k) : 0.0f;
    }
    __syncthreads();
#pragma unroll
    for (int q = 0; q < kPerThread; q++) {
      int e = threadIdx.x + q * LF_LORA_THREADS;
      int r = e / LF_SGMV_RMAX, j = e % LF_SGMV_RMAX;
      float s = 0.0f;
      for (int k = 0; k < kw; k++) s += xs[r][k] * as[j][k];
      acc[q] += s;
    }
    __syncthreads();
  }
#pragma unroll
  for (int q = 0; q < kPerThread; q++) {
    int e = threadIdx.x + q * LF_LORA_THREADS;
    int r = e / LF_SGMV_RMAX, j = e % LF_SGMV_RMAX;
    if (r < rows && j < rank) v[(size_t)tok_idx_sorted[first + r] * r_max + j] = acc[q];
  }
}
#define LF_SGMV_SHRINK_PARAMS(T)                                                           \
  (const T* x, const T* a_pool, const int* ranks, const int* tok_idx_sorted,               \
   const int* slot_start, const int* slot_ids, float* v, int in, int r_max)
LF_KERNEL_F32_BF16(sgmv_shrink, LF_LORA_THREADS, LF_SGMV_SHRINK_PARAMS,
                   (x, a_pool, ranks, tok_idx_sorted, slot_start, slot_ids, v, in, r_max))

// sgmv_expand: grid (ceil(out / 128), groups, row tiles), block 128. The tile's v rows go to shared
// memory; each thread owns one output column and BM row accumulators, so B is read once per tile.
template <typename T>
__device__ __forceinline__ void sgmv_expand_impl(const float* __restrict__ v,
                                                 const T* __restrict__ b_pool,
                                                 const int* __restrict__ ranks,
                                                 const int* __restrict__ tok_idx_sorted,
                                                 const int* __restrict__ slot_start,
                                                 const int* __restrict__ slot_ids,
                                                 T* __restrict__ y, int out, int r_max) {
  __shared__ float vs[LF_SGMV_BM][LF_SGMV_RMAX];
  int g = blockIdx.y;
  int first = slot_start[g] + blockIdx.z * LF_SGMV_BM;
  int end = slot_start[g + 1];
  int slot = slot_ids[g];
  int rank = ranks[slot];
  if (first >= end || rank == 0) return;  // uniform over the block
  int rows = min(LF_SGMV_BM, end - first);
  for (int e = threadIdx.x; e < LF_SGMV_BM * LF_SGMV_RMAX; e += blockDim.x) {
    int r = e / LF_SGMV_RMAX, j = e % LF_SGMV_RMAX;
    vs[r][j] = (r < rows && j < rank) ? v[(size_t)tok_idx_sorted[first + r] * r_max + j] : 0.0f;
  }
  __syncthreads();
  int o = blockIdx.x * blockDim.x + threadIdx.x;
  if (o >= out) return;
  const T* bt = b_pool + (size_t)slot * r_max * out + o;
  float acc[LF_SGMV_BM];
#pragma unroll
  for (int r = 0; r < LF_SGMV_BM; r++) acc[r] = 0.0f;
  for (int j = 0; j < rank; j++) {
    float bj = lf_load(bt + (size_t)j * out);
#pragma unroll
    for (int r = 0; r < LF_SGMV_BM; r++) acc[r] += vs[r][j] * bj;
  }
#pragma unroll
  for (int r = 0; r < LF_SGMV_BM; r++) {
    if (r < rows) {
      T* yp = y + (size_t)tok_idx_sorted[first + r] * out + o;
      lf_store(yp, lf_load(yp) + acc[r]);
    }
  }
}
#define LF_SGMV_EXPAND_PARAMS(T)                                                            \
  (const float* v, const T* b_pool, const int* ranks, const int* tok_idx_sorted,            \
   const int* slot_start, const int* slot_ids, T* y, int out, int r_max)
LF_KERNEL_F32_BF16(sgmv_expand, LF_LORA_THREADS, LF_SGMV_EXPAND_PARAMS,
                   (v, b_pool, ranks, tok_idx_sorted, slot_start, slot_ids, y, out, r_max))
