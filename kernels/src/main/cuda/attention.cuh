// Attention over the paged KV cache (FlashInfer NHD layout Kc/Vc[slot, kv_heads, head_dim]).
// Semantics: Backend.attention. Row t attends to positions 0..positions[t] of sequence
// seq_of_row[t] (causal prefill and decode with one kernel); the slot of position p is
// block_tables[seq * max_blocks + p / block_size] * block_size + p % block_size.
#pragma once
#include "lf_common.cuh"

#define LF_ATTN_WARPS 4
#define LF_ATTN_THREADS (LF_ATTN_WARPS * 32)
#define LF_ATTN_MAX_GROUP 8  // query heads per KV head (GQA group); SmolLM2 3, Qwen2.5-0.5B 7
#define LF_ATTN_MAX_DIM 128  // head_dim; each lane owns head_dim / 32 dimensions

// paged_attention_decode: grid (rows, kv_heads), block 128 (4 warps). One block per (row, KV head)
// serves the whole GQA group, so each K/V row is read once per group. Warp w takes positions
// p = w, w + 4, ...; each lane holds 4 dimensions of q, of the running output and of the current K/V
// row; the score is a warp butterfly sum. Every warp keeps its own online-softmax state (max m, sum
// l, unnormalized output) per query head in registers; the four states are merged through shared
// memory at the end (flash-decoding within a block). Requires heads % kv_heads == 0,
// heads / kv_heads <= 8 and head_dim <= 128 (the host checks).
template <typename T>
__device__ __forceinline__ void paged_attention_decode_impl(
    const T* __restrict__ q, const T* __restrict__ kc, const T* __restrict__ vc,
    const int* __restrict__ block_tables, int max_blocks, const int* __restrict__ seq_of_row,
    const int* __restrict__ positions, T* __restrict__ out, int heads, int kv_heads, int head_dim,
    int block_size, float scale) {
  constexpr int G = LF_ATTN_MAX_GROUP;
  constexpr int C = LF_ATTN_MAX_DIM / 32;
  __shared__ float sm[LF_ATTN_WARPS][G];
  __shared__ float sl[LF_ATTN_WARPS][G];
  __shared__ float sacc[LF_ATTN_WARPS][G][LF_ATTN_MAX_DIM];
  int t = blockIdx.x;
  int kvh = blockIdx.y;
  int group = heads / kv_heads;
  int lane = threadIdx.x & 31;
  int warp = threadIdx.x >> 5;
  int seq = seq_of_row[t];
  int len = positions[t] + 1;
  const int* table = block_tables + (size_t)seq * max_blocks;

  float qr[G][C];
  float acc[G][C];
  float m[G];
  float l[G];
#pragma unroll
  for (int g = 0; g < G; g++) {
    m[g] = -INFINITY;
    l[g] = 0.0f;
#pragma unroll
    for (int c = 0; c < C; c++) {
      int d = lane + 32 * c;
      acc[g][c] = 0.0f;
      qr[g][c] = (g < group && d < head_dim)
                     ? lf_load(q + ((size_t)t * heads + kvh * group + g) * head_dim + d)
                     : 0.0f;
    }
  }
  for (int p = warp; p < len; p += LF_ATTN_WARPS) {  // uniform per warp: shuffles stay converged
    size_t slot = (size_t)table[p / block_size] * block_size + p % block_size;
    const T* kp = kc + (slot * kv_heads + kvh) * head_dim;
    const T* vp = vc + (slot * kv_heads + kvh) * head_dim;
    float kr[C];
    float vr[C];
#pragma unroll
    for (int c = 0; c < C; c++) {
      int d = lane + 32 * c;
      kr[c] = d < head_dim ? lf_load(kp + d) : 0.0f;
      vr[c] = d < head_dim ? lf_load(vp + d) : 0.0f;
    }
#pragma unroll
    for (int g = 0; g < G; g++) {
      if (g < group) {
        float s = 0.0f;
#pragma unroll
        for (int c = 0; c < C; c++) s += qr[g][c] * kr[c];
        s = lf_warp_sum(s) * scale;
        float mn = fmaxf(m[g], s);
        float corr = expf(m[g] - mn);  // 0 on the first position (m = -inf)
        float e = expf(s - mn);
        l[g] = l[g] * corr + e;
#pragma unroll
        for (int c = 0; c < C; c++) acc[g][c] = acc[g][c] * corr + e * vr[c];
        m[g] = mn;
      }
    }
  }
#pragma unroll
  for (int g = 0; g < G; g++) {
    if (g < group) {
      if (lane == 0) {
        sm[warp][g] = m[g];
        sl[warp][g] = l[g];
      }
#pragma unroll
      for (int c = 0; c < C; c++) sacc[warp][g][lane + 32 * c] = acc[g][c];
    }
  }
  __syncthreads();
  // Merge: thread e handles (g, d) pairs; warps that saw no position have m = -inf and weigh 0.
  for (int e = threadIdx.x; e < group * head_dim; e += blockDim.x) {
    int g = e / head_dim;
    int d = e % head_dim;
    float mx = -INFINITY;
    for (int w = 0; w < LF_ATTN_WARPS; w++) mx = fmaxf(mx, sm[w][g]);
    float num = 0.0f;
    float den = 0.0f;
    for (int w = 0; w < LF_ATTN_WARPS; w++) {
      float f = sl[w][g] > 0.0f ? expf(sm[w][g] - mx) : 0.0f;
      num += sacc[w][g][d] * f;
      den += sl[w][g] * f;
    }
    lf_store(out + ((size_t)t * heads + kvh * group + g) * head_dim + d, num / den);
  }
}
#define LF_PAGED_ATTENTION_DECODE_PARAMS(T)                                                    \
  (const T* q, const T* kc, const T* vc, const int* block_tables, int max_blocks,              \
   const int* seq_of_row, const int* positions, T* out, int heads, int kv_heads, int head_dim, \
   int block_size, float scale)
LF_KERNEL_F32_BF16(paged_attention_decode, LF_ATTN_THREADS, LF_PAGED_ATTENTION_DECODE_PARAMS,
                   (q, kc, vc, block_tables, max_blocks, seq_of_row, positions, out, heads,
                    kv_heads, head_dim, block_size, scale))
