// Adapter-editing and trainer kernels: DARE drop-and-rescale with a counter-based RNG, softmax
// cross-entropy forward+backward, AdamW.
#pragma once
#include "lf_common.cuh"

// Philox4x32-10 (Salmon et al., SC11): counter ctr[4], key k[2]; a pure function, so the CPU and
// the GPU draw the same numbers for the same (seed, tensor_id, element index).
__device__ __forceinline__ void lf_philox4x32_10(uint32_t ctr[4], uint32_t k0, uint32_t k1) {
  for (int round = 0; round < 10; round++) {
    uint64_t p0 = (uint64_t)0xD2511F53u * ctr[0];
    uint64_t p1 = (uint64_t)0xCD9E8D57u * ctr[2];
    uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0;
    uint32_t hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
    uint32_t n0 = hi1 ^ ctr[1] ^ k0;
    uint32_t n2 = hi0 ^ ctr[3] ^ k1;
    ctr[0] = n0;
    ctr[1] = lo1;
    ctr[2] = n2;
    ctr[3] = lo0;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
}

// The uniform in [0, 1) of element i: Philox4x32-10 with counter (i_lo, i_hi, tensor_id, 0) and key
// (seed_lo, seed_hi); the top 24 bits of the first output word, times 2^-24.
__device__ __forceinline__ float lf_dare_uniform(unsigned long long seed, unsigned tensor_id,
                                                 unsigned long long i) {
  uint32_t ctr[4] = {(uint32_t)i, (uint32_t)(i >> 32), tensor_id, 0u};
  lf_philox4x32_10(ctr, (uint32_t)seed, (uint32_t)(seed >> 32));
  return (float)(ctr[0] >> 8) * (1.0f / 16777216.0f);
}

// philox_test: out[4] = Philox4x32-10(ctr, key); lets tests check the device RNG against the
// published known-answer vectors. Grid 1, block 1.
extern "C" __global__ void philox_test(const unsigned* ctr, const unsigned* key, unsigned* out) {
  uint32_t c[4] = {ctr[0], ctr[1], ctr[2], ctr[3]};
  lf_philox4x32_10(c, key[0], key[1]);
  for (int i = 0; i < 4; i++) out[i] = c[i];
}
LF_REGISTER(philox_test)

// dare: 1-D grid-stride, in place. Keeps element i with probability density (uniform < density)
// and rescales it by 1/density; density <= 0 gives zeros (no 0/0), density >= 1 keeps everything.
template <typename T>
__device__ __forceinline__ void dare_impl(T* __restrict__ delta, int n, float density,
                                          unsigned long long seed, unsigned tensor_id) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    float keep = density > 0.0f && lf_dare_uniform(seed, tensor_id, (unsigned long long)i) < density
                     ? 1.0f / density
                     : 0.0f;
    lf_store(delta + i, keep == 0.0f ? 0.0f : lf_load(delta + i) * keep);
  }
}
#define LF_DARE_PARAMS(T) \
  (T * delta, int n, float density, unsigned long long seed, unsigned tensor_id)
LF_KERNEL_F32_BF16(dare, 256, LF_DARE_PARAMS, (delta, n, density, seed, tensor_id))

// cross_entropy: grid rows, block 256. loss[t] = logsumexp(x[t]) - x[t, target[t]];
// dlogits[t, i] = (softmax(x[t])_i - [i == target[t]]) * grad_scale. A negative target (PyTorch's
// ignore_index -100) gives loss 0 and a zero gradient row. dlogits may alias logits.
template <typename T>
__device__ __forceinline__ void cross_entropy_impl(const T* logits, const int* __restrict__ targets,
                                                   float* __restrict__ loss, T* dlogits, int vocab,
                                                   float grad_scale) {
  size_t base = (size_t)blockIdx.x * vocab;
  int target = targets[blockIdx.x];
  float mx = -INFINITY;
  for (int i = threadIdx.x; i < vocab; i += blockDim.x) mx = fmaxf(mx, lf_load(logits + base + i));
  mx = lf_block_max(mx);
  float sum = 0.0f;
  for (int i = threadIdx.x; i < vocab; i += blockDim.x) sum += expf(lf_load(logits + base + i) - mx);
  sum = lf_block_sum(sum);
  float lse = mx + logf(sum);
  bool ignored = target < 0 || target >= vocab;
  if (threadIdx.x == 0) loss[blockIdx.x] = ignored ? 0.0f : lse - lf_load(logits + base + target);
  __syncthreads();  // the target logit is read before dlogits (which may alias) overwrites it
  for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
    float p = expf(lf_load(logits + base + i) - lse);
    lf_store(dlogits + base + i, ignored ? 0.0f : (p - (i == target ? 1.0f : 0.0f)) * grad_scale);
  }
}
#define LF_CROSS_ENTROPY_PARAMS(T) \
  (const T* logits, const int* targets, float* loss, T* dlogits, int vocab, float grad_scale)
LF_KERNEL_F32_BF16(cross_entropy, 256, LF_CROSS_ENTROPY_PARAMS,
                   (logits, targets, loss, dlogits, vocab, grad_scale))

// adamw: 1-D grid-stride over fp32 master weights, PyTorch AdamW (decoupled weight decay):
// p *= 1 - lr*wd; m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2;
// p -= (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps), with bc1 = 1 - b1^step, bc2 = 1 - b2^step.
extern "C" __global__ void __launch_bounds__(256)
    adamw_f32(float* __restrict__ p, const float* __restrict__ g, float* __restrict__ m,
              float* __restrict__ v, int n, float lr, float beta1, float beta2, float eps,
              float weight_decay, float bc1, float bc2) {
  float step = lr / bc1;
  float sqrt_bc2 = sqrtf(bc2);
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    float gi = g[i];
    float mi = beta1 * m[i] + (1.0f - beta1) * gi;
    float vi = beta2 * v[i] + (1.0f - beta2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    float pi = p[i] * (1.0f - lr * weight_decay);
    p[i] = pi - step * mi / (sqrtf(vi) / sqrt_bc2 + eps);
  }
}
LF_REGISTER(adamw_f32)
