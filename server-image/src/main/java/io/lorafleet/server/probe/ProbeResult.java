package io.lorafleet.server.probe;

/**
 * What the load probe measured: the largest absolute logit difference between the base model and
 * the adapter on {@link EffectProbe#PROMPT} ({@code NaN} when the adapter's logits are not
 * numbers), how many prompt tokens ran, whether that counts as no effect, and what it cost.
 */
public record ProbeResult(double maxLogitDiff, int promptTokens, boolean noEffect, double millis) {}
