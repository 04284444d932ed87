// Test-only kernels, compiled into the host build only (never into the fatbin):
//  - probes of the emulation itself (barriers, shuffles, shared memory across threads);
//  - deliberately wrong variants of real kernels, which the parity tests must catch.
#include "lf_common.cuh"

// out[i] = in[n - 1 - i] through shared memory: only correct when __syncthreads() really waits for
// every thread's write. Grid 1, block n (n <= 1024).
extern "C" __global__ void test_reverse_through_shared(const float* in, float* out) {
  __shared__ float s[1024];
  int n = blockDim.x;
  s[threadIdx.x] = in[threadIdx.x];
  __syncthreads();
  out[threadIdx.x] = s[n - 1 - threadIdx.x];
}
LF_REGISTER(test_reverse_through_shared)

// out[b * 3 + 0] = block sum, out[b*3 + 1] = block max, out[b*3+2] = lane 31's value via
// __shfl_sync in warp 0, for the blockDim.x values in[b * blockDim.x ..].
extern "C" __global__ void test_block_reductions(const float* in, float* out) {
  float x = in[blockIdx.x * blockDim.x + threadIdx.x];
  float s = lf_block_sum(x);
  float m = lf_block_max(x);
  float from31 = __shfl_sync(LF_FULL_MASK, x, 31);
  if (threadIdx.x == 0) {
    out[blockIdx.x * 3] = s;
    out[blockIdx.x * 3 + 1] = m;
    out[blockIdx.x * 3 + 2] = from31;
  }
}
LF_REGISTER(test_block_reductions)

// bgmv_shrink with an off-by-one reduction bound (drops x[in - 1] * a[j][in - 1]).
extern "C" __global__ void test_wrong_bgmv_shrink_f32(const float* x, const float* a_pool,
                                                      const int* ranks, const int* slot_of_row,
                                                      float* v, int in, int r_max) {
  int j = blockIdx.x;
  int b = blockIdx.y;
  int slot = slot_of_row[b];
  int rank = slot < 0 ? 0 : ranks[slot];
  if (j >= rank) {
    if (threadIdx.x == 0) v[(size_t)b * r_max + j] = 0.0f;
    return;
  }
  const float* xr = x + (size_t)b * in;
  const float* ar = a_pool + ((size_t)slot * r_max + j) * in;
  float acc = 0.0f;
  for (int i = threadIdx.x; i < in - 1; i += blockDim.x) acc += xr[i] * ar[i];
  acc = lf_block_sum(acc);
  if (threadIdx.x == 0) v[(size_t)b * r_max + j] = acc;
}
LF_REGISTER(test_wrong_bgmv_shrink_f32)

// rmsnorm that adds eps outside the square root.
extern "C" __global__ void test_wrong_rmsnorm_f32(const float* x, float* residual, const float* w,
                                                  float* out, float eps, int dim) {
  size_t base = (size_t)blockIdx.x * dim;
  float ss = 0.0f;
  for (int i = threadIdx.x; i < dim; i += blockDim.x) {
    float z = x[base + i];
    if (residual != nullptr) {
      z += residual[base + i];
      residual[base + i] = z;
    }
    ss += z * z;
  }
  ss = lf_block_sum(ss);
  float inv = 1.0f / (sqrtf(ss / dim) + eps);
  const float* z = residual != nullptr ? residual : x;
  for (int i = threadIdx.x; i < dim; i += blockDim.x) out[base + i] = w[i] * (z[base + i] * inv);
}
LF_REGISTER(test_wrong_rmsnorm_f32)

// A barrier that half of the block never reaches (they return first): undefined on a GPU, reported
// as a deadlock by the emulation.
extern "C" __global__ void test_divergent_barrier(float* out) {
  if (threadIdx.x >= blockDim.x / 2) return;
  __syncthreads();
  out[threadIdx.x] = 1.0f;
}
LF_REGISTER(test_divergent_barrier)

// Recursion `depth` frames deep (each keeps 1 KiB live) in thread 0 of the block: checks the fiber
// stacks, which hold 256 KiB above a guard page. out[0] receives a value that depends on every frame.
__attribute__((noinline)) static float test_recurse(int depth) {
  volatile float frame[256];
  for (int i = 0; i < 256; i++) frame[i] = static_cast<float>(depth + i);
  float below = depth > 0 ? test_recurse(depth - 1) : 0.0f;
  return below + frame[depth & 255];
}

extern "C" __global__ void test_deep_stack(int depth, float* out) {
  if (threadIdx.x == 0) out[0] = test_recurse(depth);
}
LF_REGISTER(test_deep_stack)
