// Per-layer kernels of the Llama-family forward pass. Semantics: Backend.rmsNorm, rope, siluMul,
// embedding, add, kvAppend.
#pragma once
#include "lf_common.cuh"

#define LF_ROW_THREADS 256

// rmsnorm: grid rows, block 256. z = x (+ residual; residual <- z), out = w * (z / sqrt(mean(z^2) +
// eps)). z is taken as stored (rounded to T), as HF does with a bf16 residual stream. residual may
// be null.
template <typename T>
__device__ __forceinline__ void rmsnorm_impl(const T* __restrict__ x, T* __restrict__ residual,
                                             const T* __restrict__ w, T* __restrict__ out,
                                             float eps, int dim) {
  size_t base = (size_t)blockIdx.x * dim;
  float ss = 0.0f;
  for (int i = threadIdx.x; i < dim; i += blockDim.x) {
    float z = lf_load(x + base + i);
    if (residual != nullptr) {
      z = lf_round(z + lf_load(residual + base + i), x);
      lf_store(residual + base + i, z);
    }
    ss += z * z;
  }
  ss = lf_block_sum(ss);
  float inv = 1.0f / sqrtf(ss / dim + eps);
  const T* z = residual != nullptr ? residual : x;
  for (int i = threadIdx.x; i < dim; i += blockDim.x) {  // same stride: each thread reads its own
    lf_store(out + base + i, lf_load(w + i) * (lf_load(z + base + i) * inv));
  }
}
#define LF_RMSNORM_PARAMS(T) (const T* x, T* residual, const T* w, T* out, float eps, int dim)
LF_KERNEL_F32_BF16(rmsnorm, LF_ROW_THREADS, LF_RMSNORM_PARAMS, (x, residual, w, out, eps, dim))

// rope: grid (tokens, heads), block 32 (loops over head_dim / 2). HF rotate_half in place; the
// angle is positions[t] * inv_freq[i] in fp32 (llama3/linear scaling is folded into inv_freq).
template <typename T>
__device__ __forceinline__ void rope_impl(T* __restrict__ x, const int* __restrict__ positions,
                                          const float* __restrict__ inv_freq, int heads,
                                          int head_dim) {
  int t = blockIdx.x;
  int half = head_dim / 2;
  T* xh = x + ((size_t)t * heads + blockIdx.y) * head_dim;
  float pos = (float)positions[t];
  for (int i = threadIdx.x; i < half; i += blockDim.x) {
    float phi = pos * inv_freq[i];
    float c = cosf(phi);
    float s = sinf(phi);
    float a = lf_load(xh + i);
    float b = lf_load(xh + half + i);
    lf_store(xh + i, a * c - b * s);
    lf_store(xh + half + i, b * c + a * s);
  }
}
#define LF_ROPE_PARAMS(T) \
  (T * x, const int* positions, const float* inv_freq, int heads, int head_dim)
LF_KERNEL_F32_BF16(rope, 32, LF_ROPE_PARAMS, (x, positions, inv_freq, heads, head_dim))

// silu_mul: 1-D grid-stride, out[i] = g[i] / (1 + e^-g[i]) * u[i].
template <typename T>
__device__ __forceinline__ void silu_mul_impl(const T* __restrict__ g, const T* __restrict__ u,
                                              T* __restrict__ out, int n) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    float gi = lf_load(g + i);
    lf_store(out + i, gi / (1.0f + expf(-gi)) * lf_load(u + i));
  }
}
#define LF_SILU_MUL_PARAMS(T) (const T* g, const T* u, T* out, int n)
LF_KERNEL_F32_BF16(silu_mul, LF_ROW_THREADS, LF_SILU_MUL_PARAMS, (g, u, out, n))

// add: 1-D grid-stride, y[i] += x[i].
template <typename T>
__device__ __forceinline__ void add_impl(T* __restrict__ y, const T* __restrict__ x, int n) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    lf_store(y + i, lf_load(y + i) + lf_load(x + i));
  }
}
#define LF_ADD_PARAMS(T) (T * y, const T* x, int n)
LF_KERNEL_F32_BF16(add, LF_ROW_THREADS, LF_ADD_PARAMS, (y, x, n))

// embedding: grid tokens, block 256. out[t] = table[ids[t]]; an id outside [0, vocab) gives a zero
// row (the host validates ids first and reports the error; the kernel never reads out of bounds).
template <typename T>
__device__ __forceinline__ void embedding_impl(const T* __restrict__ table,
                                               const int* __restrict__ ids, T* __restrict__ out,
                                               int dim, int vocab) {
  int id = ids[blockIdx.x];
  T* o = out + (size_t)blockIdx.x * dim;
  bool valid = id >= 0 && id < vocab;
  const T* row = table + (size_t)(valid ? id : 0) * dim;
  for (int i = threadIdx.x; i < dim; i += blockDim.x) lf_store(o + i, valid ? lf_load(row + i) : 0.0f);
}
#define LF_EMBEDDING_PARAMS(T) (const T* table, const int* ids, T* out, int dim, int vocab)
LF_KERNEL_F32_BF16(embedding, LF_ROW_THREADS, LF_EMBEDDING_PARAMS, (table, ids, out, dim, vocab))

// kv_append: grid tokens, block 128. Kc/Vc[slot, kv_heads, head_dim] <- k/v[t]; width = kv_heads *
// head_dim; slot_mapping[t] = block * block_size + offset (computed by the host from the layout).
template <typename T>
__device__ __forceinline__ void kv_append_impl(const T* __restrict__ k, const T* __restrict__ v,
                                               const int* __restrict__ slot_mapping,
                                               T* __restrict__ kc, T* __restrict__ vc, int width) {
  size_t src = (size_t)blockIdx.x * width;
  size_t dst = (size_t)slot_mapping[blockIdx.x] * width;
  for (int i = threadIdx.x; i < width; i += blockDim.x) {
    kc[dst + i] = k[src + i];
    vc[dst + i] = v[src + i];
  }
}
#define LF_KV_APPEND_PARAMS(T) \
  (const T* k, const T* v, const int* slot_mapping, T* kc, T* vc, int width)
LF_KERNEL_F32_BF16(kv_append, 128, LF_KV_APPEND_PARAMS, (k, v, slot_mapping, kc, vc, width))

// lora_merge: grid (ceil(in / 128), out), block 128. w[o, i] += sign * sum_j b[o, j] * a[j, i],
// accumulated in fp32 and stored in w's type (a bf16 merge then unmerge is not bit-exact).
template <typename T>
__device__ __forceinline__ void lora_merge_impl(T* __restrict__ w, const T* __restrict__ a,
                                                const T* __restrict__ b, int in, int rank,
                                                float sign) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  int o = blockIdx.y;
  if (i >= in) return;
  float acc = 0.0f;
  for (int j = 0; j < rank; j++) acc += lf_load(b + (size_t)o * rank + j) * lf_load(a + (size_t)j * in + i);
  T* wp = w + (size_t)o * in + i;
  lf_store(wp, lf_load(wp) + sign * acc);
}
#define LF_LORA_MERGE_PARAMS(T) (T * w, const T* a, const T* b, int in, int rank, float sign)
LF_KERNEL_F32_BF16(lora_merge, 128, LF_LORA_MERGE_PARAMS, (w, a, b, in, rank, sign))

#define LF_MM_TILE 16

// matmul: grid (ceil(out / 16), ceil(tokens / 16)), block (16, 16). y[t, o] = x[t, :] . w[o, :]
// (+ bias[o]; bias may be null), fp32 accumulation over 16-wide K tiles staged in shared memory.
// A plain SIMT GEMM: the host build and the device backend's tests use it; on a GPU the base-model
// GEMMs are meant for cuBLAS (cublasGemmEx), which is far faster.
template <typename T>
__device__ __forceinline__ void matmul_impl(const T* __restrict__ x, const T* __restrict__ w,
                                            const T* __restrict__ bias, T* __restrict__ y,
                                            int tokens, int in, int out) {
  __shared__ float xs[LF_MM_TILE][LF_MM_TILE + 1];
  __shared__ float ws[LF_MM_TILE][LF_MM_TILE + 1];
  int tx = threadIdx.x;
  int ty = threadIdx.y;
  int o0 = blockIdx.x * LF_MM_TILE;
  int t0 = blockIdx.y * LF_MM_TILE;
  float acc = 0.0f;
  for (int k0 = 0; k0 < in; k0 += LF_MM_TILE) {
    int k = k0 + tx;
    xs[ty][tx] = (t0 + ty < tokens && k < in) ? lf_load(x + (size_t)(t0 + ty) * in + k) : 0.0f;
    ws[ty][tx] = (o0 + ty < out && k < in) ? lf_load(w + (size_t)(o0 + ty) * in + k) : 0.0f;
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < LF_MM_TILE; kk++) acc += xs[ty][kk] * ws[tx][kk];
    __syncthreads();
  }
  int t = t0 + ty;
  int o = o0 + tx;
  if (t < tokens && o < out) {
    lf_store(y + (size_t)t * out + o, acc + (bias != nullptr ? lf_load(bias + o) : 0.0f));
  }
}
#define LF_MATMUL_PARAMS(T) \
  (const T* x, const T* w, const T* bias, T* y, int tokens, int in, int out)
LF_KERNEL_F32_BF16(matmul, LF_MM_TILE * LF_MM_TILE, LF_MATMUL_PARAMS,
                   (x, w, bias, y, tokens, in, out))

// matmul_kn: grid (ceil(n / 16), ceil(rows / 16)), block (16, 16). y[r, c] = x[r, :] . w[:, c]
// (+ bias[c]) with w stored [k, n]: the training-side GEMMs (LoraTrainer's matmulKn), where the
// "weights" are often activations or gradients laid out token-major. Same tiling as matmul; both
// tiles load coalesced along their row.
template <typename T>
__device__ __forceinline__ void matmul_kn_impl(const T* __restrict__ x, const T* __restrict__ w,
                                               const T* __restrict__ bias, T* __restrict__ y,
                                               int rows, int k, int n) {
  __shared__ float xs[LF_MM_TILE][LF_MM_TILE + 1];
  __shared__ float ws[LF_MM_TILE][LF_MM_TILE + 1];
  int tx = threadIdx.x;
  int ty = threadIdx.y;
  int c0 = blockIdx.x * LF_MM_TILE;
  int r0 = blockIdx.y * LF_MM_TILE;
  float acc = 0.0f;
  for (int k0 = 0; k0 < k; k0 += LF_MM_TILE) {
    xs[ty][tx] = (r0 + ty < rows && k0 + tx < k) ? lf_load(x + (size_t)(r0 + ty) * k + k0 + tx)
                                                 : 0.0f;
    ws[ty][tx] = (k0 + ty < k && c0 + tx < n) ? lf_load(w + (size_t)(k0 + ty) * n + c0 + tx)
                                              : 0.0f;
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < LF_MM_TILE; kk++) acc += xs[ty][kk] * ws[kk][tx];
    __syncthreads();
  }
  int r = r0 + ty;
  int c = c0 + tx;
  if (r < rows && c < n) {
    lf_store(y + (size_t)r * n + c, acc + (bias != nullptr ? lf_load(bias + c) : 0.0f));
  }
}
#define LF_MATMUL_KN_PARAMS(T) (const T* x, const T* w, const T* bias, T* y, int rows, int k, int n)
LF_KERNEL_F32_BF16(matmul_kn, LF_MM_TILE * LF_MM_TILE, LF_MATMUL_KN_PARAMS,
                   (x, w, bias, y, rows, k, n))
