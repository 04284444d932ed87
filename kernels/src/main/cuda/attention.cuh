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
#define LF_ATTN_PARTITION 512  // positions per partition of the flash-decoding path (host default)

// The attention of one (row, KV head) over positions [p_begin, p_end) of the row's sequence, for
// the whole GQA group, by one block of 128 threads (4 warps). Warp w takes positions p_begin + w,
// p_begin + w + 4, ...; each lane holds 4 dimensions of q, of the running output and of the current
// K/V row; the score is a warp butterfly sum. Every warp keeps its own online-softmax state (max m,
// sum l, unnormalized output) per query head in registers; the four states are merged through
// shared memory. emit(g, d, m, l, acc) receives, for every (query head g of the group, dimension d),
// the merged state: the output is acc / l; m is -inf and l is 0 when the range is empty.
template <typename T, typename Emit>
__device__ __forceinline__ void lf_attend(const T* __restrict__ q, const T* __restrict__ kc,
                                          const T* __restrict__ vc, const int* __restrict__ table,
                                          int t, int kvh, int heads, int kv_heads, int head_dim,
                                          int block_size, float scale, int p_begin, int p_end,
                                          Emit emit) {
  constexpr int G = LF_ATTN_MAX_GROUP;
  constexpr int C = LF_ATTN_MAX_DIM / 32;
  __shared__ float sm[LF_ATTN_WARPS][G];
  __shared__ float sl[LF_ATTN_WARPS][G];
  __shared__ float sacc[LF_ATTN_WARPS][G][LF_ATTN_MAX_DIM];
  int group = heads / kv_heads;
  int lane = threadIdx.x & 31;
  int warp = threadIdx.x >> 5;

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
  for (int p = p_begin + warp; p < p_end; p += LF_ATTN_WARPS) {  // uniform per warp
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
  // Merge: thread e handles (g, d) pairs; warps that saw no position have l = 0 and weigh 0.
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
    emit(g, d, mx, den, num);
  }
}

// paged_attention_decode: grid (rows, kv_heads), block 128. One block per (row, KV head) serves
// the whole GQA group, so each K/V row is read once per group, over the whole sequence. Requires
// heads % kv_heads == 0, heads / kv_heads <= 8 and head_dim <= 128 (the host checks).
template <typename T>
__device__ __forceinline__ void paged_attention_decode_impl(
    const T* __restrict__ q, const T* __restrict__ kc, const T* __restrict__ vc,
    const int* __restrict__ block_tables, int max_blocks, const int* __restrict__ seq_of_row,
    const int* __restrict__ positions, T* __restrict__ out, int heads, int kv_heads, int head_dim,
    int block_size, float scale) {
  int t = blockIdx.x;
  int kvh = blockIdx.y;
  int group = heads / kv_heads;
  const int* table = block_tables + (size_t)seq_of_row[t] * max_blocks;
  lf_attend(q, kc, vc, table, t, kvh, heads, kv_heads, head_dim, block_size, scale, 0,
            positions[t] + 1, [&](int g, int d, float, float l, float acc) {
              lf_store(out + ((size_t)t * heads + kvh * group + g) * head_dim + d, acc / l);
            });
}
#define LF_PAGED_ATTENTION_DECODE_PARAMS(T)                                                    \
  (const T* q, const T* kc, const T* vc, const int* block_tables, int max_blocks,              \
   const int* seq_of_row, const int* positions, T* out, int heads, int kv_heads, int head_dim, \
   int block_size, float scale)
LF_KERNEL_F32_BF16(paged_attention_decode, LF_ATTN_THREADS, LF_PAGED_ATTENTION_DECODE_PARAMS,
                   (q, kc, vc, block_tables, max_blocks, seq_of_row, positions, out, heads,
                    kv_heads, head_dim, block_size, scale))

// Flash-decoding for long contexts (vLLM's paged attention v2): the sequence is split into
// partitions of partition_size positions so that a decode batch with few rows still fills the GPU.
// paged_attention_partial: grid (rows, kv_heads, partitions), block 128; partition z covers
// positions [z * partition_size, (z + 1) * partition_size) of the row (empty past its length) and
// writes its merged state to the fp32 workspace: part_m/part_l[(t * heads + h) * partitions + z]
// and part_acc[((t * heads + h) * partitions + z) * head_dim + d].
template <typename T>
__device__ __forceinline__ void paged_attention_partial_impl(
    const T* __restrict__ q, const T* __restrict__ kc, const T* __restrict__ vc,
    const int* __restrict__ block_tables, int max_blocks, const int* __restrict__ seq_of_row,
    const int* __restrict__ positions, float* __restrict__ part_m, float* __restrict__ part_l,
    float* __restrict__ part_acc, int heads, int kv_heads, int head_dim, int block_size,
    float scale, int partition_size) {
  int t = blockIdx.x;
  int kvh = blockIdx.y;
  int z = blockIdx.z;
  int partitions = gridDim.z;
  int group = heads / kv_heads;
  int len = positions[t] + 1;
  int begin = min(len, z * partition_size);
  int end = min(len, begin + partition_size);
  const int* table = block_tables + (size_t)seq_of_row[t] * max_blocks;
  lf_attend(q, kc, vc, table, t, kvh, heads, kv_heads, head_dim, block_size, scale, begin, end,
            [&](int g, int d, float m, float l, float acc) {
              size_t at = ((size_t)t * heads + kvh * group + g) * partitions + z;
              if (d == 0) {
                part_m[at] = m;
                part_l[at] = l;
              }
              part_acc[at * head_dim + d] = acc;
            });
}
#define LF_PAGED_ATTENTION_PARTIAL_PARAMS(T)                                                    \
  (const T* q, const T* kc, const T* vc, const int* block_tables, int max_blocks,               \
   const int* seq_of_row, const int* positions, float* part_m, float* part_l, float* part_acc,  \
   int heads, int kv_heads, int head_dim, int block_size, float scale, int partition_size)
LF_KERNEL_F32_BF16(paged_attention_partial, LF_ATTN_THREADS, LF_PAGED_ATTENTION_PARTIAL_PARAMS,
                   (q, kc, vc, block_tables, max_blocks, seq_of_row, positions, part_m, part_l,
                    part_acc, heads, kv_heads, head_dim, block_size, scale, partition_size))

// paged_attention_reduce: grid (rows, heads), block 128. out = sum_z acc_z e^(m_z - M) /
// sum_z l_z e^(m_z - M) over the partitions (empty partitions have l = 0 and weigh nothing).
template <typename T>
__device__ __forceinline__ void paged_attention_reduce_impl(const float* __restrict__ part_m,
                                                            const float* __restrict__ part_l,
                                                            const float* __restrict__ part_acc,
                                                            T* __restrict__ out, int heads,
                                                            int head_dim, int partitions) {
  size_t row_head = (size_t)blockIdx.x * heads + blockIdx.y;
  const float* m = part_m + row_head * partitions;
  const float* l = part_l + row_head * partitions;
  float mx = -INFINITY;
  for (int z = 0; z < partitions; z++) mx = fmaxf(mx, m[z]);
  for (int d = threadIdx.x; d < head_dim; d += blockDim.x) {
    float num = 0.0f;
    float den = 0.0f;
    for (int z = 0; z < partitions; z++) {
      float f = l[z] > 0.0f ? expf(m[z] - mx) : 0.0f;
      num += part_acc[(row_head * partitions + z) * head_dim + d] * f;
      den += l[z] * f;
    }
    lf_store(out + row_head * head_dim + d, num / den);
  }
}
#define LF_PAGED_ATTENTION_REDUCE_PARAMS(T)                                              \
  (const float* part_m, const float* part_l, const float* part_acc, T* out, int heads, \
   int head_dim, int partitions)
LF_KERNEL_F32_BF16(paged_attention_reduce, 128, LF_PAGED_ATTENTION_REDUCE_PARAMS,
                   (part_m, part_l, part_acc, out, heads, head_dim, partitions))
