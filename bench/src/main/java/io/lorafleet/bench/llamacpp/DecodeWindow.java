package io.lorafleet.bench.llamacpp;

/**
 * One timed decode window of either engine: tokens per second of wall time, and the CPU time its
 * process spent per token (all threads). On a machine shared with other work the wall time also
 * counts the waits for a core; the CPU time is the work done, so it compares the engines there.
 */
record DecodeWindow(double tokensPerSecond, double cpuMsPerToken) {}
