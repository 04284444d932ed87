package io.lorafleet.router.rollout;

/**
 * How one served name's traffic is split now: {@code weight} percent to the canary version (digest
 * {@code canaryDigest}, served by the pods as {@code <servedName>@canary}) in step {@code step} of
 * its rollout. {@code stickyHeader}: the request header whose value pins a caller; null pins by the
 * body's {@code user} field. {@code window}: this router's counts for (servedName, canaryDigest,
 * step), shared by every split of the same window so counting survives unrelated updates of the
 * LoraAdapter.
 */
public record RolloutSplit(
    String servedName,
    String canaryDigest,
    int step,
    int weight,
    String stickyHeader,
    RolloutWindow window) {}
