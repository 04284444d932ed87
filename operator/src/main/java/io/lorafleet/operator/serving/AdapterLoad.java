package io.lorafleet.operator.serving;

import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;

/** A load of one adapter version onto one pod. */
public record AdapterLoad(
    LoraAdapter adapter,
    ServingPod pod,
    String servedName,
    String path,
    String digest,
    String token,
    boolean pinned,
    boolean allowNoEffect) {}
