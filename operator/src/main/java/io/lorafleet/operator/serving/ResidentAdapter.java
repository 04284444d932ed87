package io.lorafleet.operator.serving;

/** An adapter a serving pod reports as loaded, and which version. */
public record ResidentAdapter(String name, String digest) {}
