package io.lorafleet.engine.backend.cpu;

import io.lorafleet.engine.backend.Backend;
import io.lorafleet.engine.backend.BackendContractTest;

/** The CPU backend against the backend contract, with two workers and with one. */
class CpuBackendTest extends BackendContractTest {
  @Override
  protected Backend backend() {
    return new CpuBackend(2);
  }

  @Override
  protected Backend singleThreaded() {
    return new CpuBackend(1);
  }
}
