/**
 * Adapter merging (issue 7; specification: {@code shared/design/algorithms.md} part A).
 *
 * <p>Everything works per module on the canonical (out × in) delta {@code ΔW_i = s_i · B_i · A_i}
 * of source {@code i} ({@code A_i} is r × in, {@code B_i} out × r, {@code s_i} the source's own
 * scale: alpha/r, or alpha/√r with rsLoRA), with the source's merge weight {@code w_i} (negative
 * allowed). A source that lacks a module contributes nothing to it. Arithmetic is fp64; the merged
 * factors are stored as fp32. Every merged adapter is written with {@code r = lora_alpha = r'} and
 * {@code use_rslora = false}, so its own scale is exactly 1 and every {@code w_i · s_i} is folded
 * into its factors.
 *
 * <h2>Methods ({@link io.lorafleet.engine.merge.MergeMethod})</h2>
 *
 * <ul>
 *   <li>{@code linear} and {@code cat} (identical): {@code ΔW = Σ w_i ΔW_i}, stored exactly as
 *       {@code A' = vstack(w_i s_i A_i)}, {@code B' = hstack(B_i)}; {@code r' = } the largest sum
 *       of source ranks over the modules, modules with a smaller sum zero-padded. Not PEFT's
 *       factor-wise "linear" (which adds cross terms {@code B_i A_j}).
 *   <li>{@code svd}: the same {@code ΔW}, truncated to {@code outputRank} by its SVD, {@code B' =
 *       U_r' · diag(S_r')}, {@code A' = V_r'ᵀ}. The SVD is computed without forming ΔW: thin QR of
 *       {@code hstack(B_i)} and of {@code vstack(w_i s_i A_i)ᵀ}, one-sided Jacobi SVD of the small
 *       core {@code R_B R_Aᵀ}. Each module reports the Eckart–Young error {@code ‖ΔW − B'A'‖_F =
 *       sqrt(Σ_{j>r'} S_j²)}. The scale is applied once (not PEFT's former {@code s_i²}).
 *   <li>{@code ties}: each {@code ΔW_i} trimmed to its {@code k = floor(density · n)} largest
 *       magnitudes (ties by ascending flat index), sign elected per element on the unweighted
 *       trimmed values ({@code total}: sign of {@code Σ P_i}; {@code frequency}: of {@code Σ
 *       sign(P_i)}; 0 elects +), then the disjoint mean {@code Σ w_i P_i [sign P_i = γ] / max(1,
 *       count)} (weights only in the numerator, divided by the count).
 *   <li>{@code magnitude-prune}: {@code Σ w_i · trim(ΔW_i, density)}.
 *   <li>{@code dare-linear}: {@code Σ w_i · DARE(ΔW_i)}; {@code DARE(τ)_e = τ_e / density} when
 *       {@code Philox(seed; counter = (e_lo, e_hi, tensorId, i)) < density}, else 0, with {@code
 *       tensorId = (layer + 1) · 16 + module ordinal} and {@code i} the source's index in the
 *       merge. The mask is a pure function of (seed, module, source, element): the same for any
 *       thread count. Density 1 keeps the delta; density ≤ 0 is rejected.
 *   <li>{@code dare-ties}: DARE instead of trimming, then the TIES election and disjoint mean.
 * </ul>
 *
 * The last four operate on full deltas and are followed by an SVD (one-sided Jacobi on the dense
 * out × in result) to {@code outputRank}, by default the largest source rank; a rank above {@code
 * min(out, in)} is rejected. Non-finite deltas are rejected.
 *
 * <h2>Merge into base ({@link io.lorafleet.engine.merge.BaseMerger})</h2>
 *
 * A copy of an HF model directory with {@code W + Σ w_i s_i B_i A_i} in every adapted weight (fp64
 * sum, one rounding to the storage dtype via fp32, non-finite results rejected, other tensors
 * copied byte for byte). Unmerge is serving the untouched original, not subtraction (lossy in
 * BF16/F16).
 *
 * <h2>Merge with lineage ({@link io.lorafleet.engine.merge.MergeLineage})</h2>
 *
 * Merges loaded sources and records the lineage a published version's manifest carries ({@code
 * merge.method}, {@code merge.density}, {@code merge.majoritySign}, {@code merge.outputRank},
 * {@code merge.seed}, {@code merge.source.<i>.adapter|digest|weight}) and the metrics of
 * result.json ({@code rank}, {@code truncationError}); writes or publishes the merged adapter. The
 * merge job itself (merge.json in, result.json out) is the trainer image's {@code
 * io.lorafleet.trainer.merge.MergeJob}; both files are types of the api module ({@code
 * io.lorafleet.api.v1alpha1.jobs}), which the engine does not depend on.
 *
 * <h2>Quality report ({@link io.lorafleet.engine.merge.AdapterQuality})</h2>
 *
 * Per module: {@code ‖ΔW‖_F}, the numerical rank of ΔW, and the intruder dimensions of B4 (top 10
 * left singular vectors of {@code W0 + ΔW} whose max |cos| against the base's left singular vectors
 * is below 0.5). Base singular vectors of a zero singular value are zero here, not an arbitrary
 * completion of the basis, so they never match.
 *
 * <p>The same code path ({@code MergeLineage.merge}, {@code write}, {@code publish}) serves the
 * CLI's {@code lorafleet merge}, whose sources may also be local directories.
 *
 * <p>Not here yet: DAREx-q, the SVD clamp option and the intruder mitigation. Merge times: {@code
 * bench/merge.md}.
 */
package io.lorafleet.engine.merge;
