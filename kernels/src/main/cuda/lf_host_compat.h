// Host (CPU) compatibility layer: lets the kernel sources compile with g++ so that their logic is
// tested on machines without a GPU. Blocks run one after another; the threads of a block run as
// cooperative fibers (see lf_host_runtime.cpp) that switch only at __syncthreads() and warp
// shuffles, so barriers are honoured. __shared__ variables become function statics, which all fibers
// of the running block share, exactly like shared memory. Only what the kernels use is emulated.
#pragma once
#ifdef __CUDACC__
#error "lf_host_compat.h is for the host build only"
#endif

#include <math.h>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

struct dim3 {
  unsigned x, y, z;
  constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};

// Set by the fiber scheduler before it resumes a fiber. Reads after a switch see the new fiber's
// values, which is why the switch functions below are out-of-line calls (the compiler must reload).
extern dim3 threadIdx;
extern dim3 blockIdx;
extern dim3 blockDim;
extern dim3 gridDim;

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__ static

namespace lfhost {
void syncthreads();
// Exchanges one 32-bit value per lane inside the caller's warp; returns the value of lane src.
uint32_t warp_exchange(uint32_t value, int src_lane);

struct bf16 {
  uint16_t bits;
};

template <typename F, typename... A, size_t... I>
void call_with(F f, void** params, std::index_sequence<I...>) {
  f(*static_cast<std::remove_cv_t<std::remove_reference_t<A>>*>(params[I])...);
}

using Thunk = void (*)(void** params);
// max_threads: the kernel's __launch_bounds__ (a launch with a bigger block fails on a GPU).
void register_kernel(const char* name, Thunk thunk, int max_threads);

template <auto F>
struct Trampoline;
template <typename... A, void (*F)(A...)>
struct Trampoline<F> {
  static void call(void** params) {
    call_with<void (*)(A...), A...>(F, params, std::index_sequence_for<A...>{});
  }
};
}  // namespace lfhost

// Registers a kernel under its C name, with the cuLaunchKernel parameter protocol (params[i] points
// at the value of argument i).
#define LF_REGISTER_BOUNDED(name, bound)                                                \
  static const bool lf_registered_##name =                                               \
      (lfhost::register_kernel(#name, &lfhost::Trampoline<&name>::call, bound), true);
#define LF_REGISTER(name) LF_REGISTER_BOUNDED(name, 1024)

inline void __syncthreads() { lfhost::syncthreads(); }

inline int lf_lane() {
  unsigned linear = threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);
  return static_cast<int>(linear & 31u);
}

template <typename T>
inline T lf_shfl(T v, int src) {
  static_assert(sizeof(T) == 4, "32-bit shuffles only");
  uint32_t u;
  std::memcpy(&u, &v, 4);
  uint32_t r = lfhost::warp_exchange(u, src & 31);
  T out;
  std::memcpy(&out, &r, 4);
  return out;
}

template <typename T>
inline T __shfl_xor_sync(unsigned, T v, int lane_mask, int = 32) {
  return lf_shfl(v, lf_lane() ^ lane_mask);
}

template <typename T>
inline T __shfl_sync(unsigned, T v, int src_lane, int = 32) {
  return lf_shfl(v, src_lane);
}

template <typename T>
inline T __shfl_down_sync(unsigned, T v, unsigned delta, int = 32) {
  int lane = lf_lane();
  int src = lane + static_cast<int>(delta);
  return lf_shfl(v, src < 32 ? src : lane);
}

// Blocks run on one OS thread and fibers switch only at barriers, so plain read-modify-write is
// atomic here.
inline float atomicAdd(float* p, float v) {
  float old = *p;
  *p = old + v;
  return old;
}
inline int atomicAdd(int* p, int v) {
  int old = *p;
  *p = old + v;
  return old;
}

inline float rsqrtf(float x) { return 1.0f / sqrtf(x); }

typedef lfhost::bf16 bf16_t;

inline float lf_bf16_to_float(bf16_t h) {
  uint32_t u = static_cast<uint32_t>(h.bits) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// Round to nearest even, like __float2bfloat16; NaN stays a quiet NaN.
inline bf16_t lf_float_to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  bf16_t h;
  if ((u & 0x7fffffffu) > 0x7f800000u) {
    h.bits = static_cast<uint16_t>((u >> 16) | 0x40u);
    return h;
  }
  u += 0x7fffu + ((u >> 16) & 1u);
  h.bits = static_cast<uint16_t>(u >> 16);
  return h;
}

inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }
