// Shared helpers of the Lorafleet kernels: element types, loads/stores with fp32 widening, warp and
// block reductions. Compiles with nvcc for the device and with g++ for the host build.
#pragma once

#ifdef __CUDACC__
#include <cuda_bf16.h>
#include <stdint.h>
typedef __nv_bfloat16 bf16_t;
#define LF_REGISTER(name)
#define LF_REGISTER_BOUNDED(name, bound)
__device__ __forceinline__ float lf_bf16_to_float(bf16_t h) { return __bfloat162float(h); }
__device__ __forceinline__ bf16_t lf_float_to_bf16(float f) { return __float2bfloat16_rn(f); }
#else
#include "lf_host_compat.h"
#endif

#define LF_FULL_MASK 0xffffffffu

// Storage is fp32 or bf16; every kernel widens to fp32 on load and accumulates in fp32.
__device__ __forceinline__ float lf_load(const float* p) { return *p; }
__device__ __forceinline__ float lf_load(const bf16_t* p) { return lf_bf16_to_float(*p); }
__device__ __forceinline__ void lf_store(float* p, float v) { *p = v; }
__device__ __forceinline__ void lf_store(bf16_t* p, float v) { *p = lf_float_to_bf16(v); }

// The value v takes once stored as T (identity for fp32, rounding for bf16).
__device__ __forceinline__ float lf_round(float v, const float*) { return v; }
__device__ __forceinline__ float lf_round(float v, const bf16_t*) {
  return lf_bf16_to_float(lf_float_to_bf16(v));
}

// Butterfly sums: every lane ends with the same value (fp32 addition is commutative).
__device__ __forceinline__ float lf_warp_sum(float v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(LF_FULL_MASK, v, o);
  return v;
}

__device__ __forceinline__ float lf_warp_max(float v) {
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(LF_FULL_MASK, v, o));
  return v;
}

// Sum over a 1-D block whose size is a multiple of 32 (at most 1024); every thread must call it and
// every thread gets the total.
__device__ __forceinline__ float lf_block_sum(float v) {
  __shared__ float part[32];
  int lane = threadIdx.x & 31;
  int warp = threadIdx.x >> 5;
  int warps = blockDim.x >> 5;
  v = lf_warp_sum(v);
  __syncthreads();  // a previous call may still be reading part
  if (lane == 0) part[warp] = v;
  __syncthreads();
  return lf_warp_sum(lane < warps ? part[lane] : 0.0f);
}

__device__ __forceinline__ float lf_block_max(float v) {
  __shared__ float part[32];
  int lane = threadIdx.x & 31;
  int warp = threadIdx.x >> 5;
  int warps = blockDim.x >> 5;
  v = lf_warp_max(v);
  __syncthreads();
  if (lane == 0) part[warp] = v;
  __syncthreads();
  return lf_warp_max(lane < warps ? part[lane] : -INFINITY);
}

// One extern "C" entry point per storage type (name_f32, name_bf16) around name_impl<T>; PARAMS is a
// function-like macro giving the parameter list for a storage type. The host build registers each.
#define LF_KERNEL_F32_BF16(name, bound, PARAMS, ARGS)                                   \
  extern "C" __global__ void __launch_bounds__(bound) name##_f32 PARAMS(float) {        \
    name##_impl<float> ARGS;                                                            \
  }                                                                                     \
  LF_REGISTER_BOUNDED(name##_f32, bound)                                                \
  extern "C" __global__ void __launch_bounds__(bound) name##_bf16 PARAMS(bf16_t) {      \
    name##_impl<bf16_t> ARGS;                                                           \
  }                                                                                     \
  LF_REGISTER_BOUNDED(name##_bf16, bound)
