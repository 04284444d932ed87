// The Lorafleet kernel module: one translation unit, so the fatbin is one module for
// cuModuleLoadData. Built by nvcc (fatbin: SASS sm_80 + sm_90, PTX compute_90) and by g++ for the
// host build (lf_host_compat.h). See kernels/README.md.
#include "lf_common.cuh"
#include "lora.cuh"
#include "layers.cuh"
#include "attention.cuh"
#include "training.cuh"
