// Host runtime of the kernel emulation: kernel registry, launches, and the fiber scheduler that runs
// the threads of one block cooperatively so that __syncthreads() and warp shuffles behave as on a
// GPU. Exposed to Java (FFM) through lfh_launch and lfh_kernel_count/lfh_kernel_name.
#include <ucontext.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "lf_host_compat.h"

dim3 threadIdx;
dim3 blockIdx;
dim3 blockDim;
dim3 gridDim;

namespace lfhost {
namespace {

constexpr size_t kStackBytes = 256 * 1024;

struct Fiber {
  ucontext_t ctx;
  char* stack = nullptr;
  dim3 tid;
  bool done = false;
  bool waiting = false;  // yielded from a barrier that had not completed
};

struct Barrier {
  int count = 0;
  unsigned generation = 0;
};

struct Kernel {
  Thunk thunk;
  int max_threads;
};

std::map<std::string, Kernel>& registry() {
  static std::map<std::string, Kernel> r;
  return r;
}

std::vector<Fiber> fibers;
ucontext_t scheduler;
int current = 0;
int block_threads = 0;
Thunk running = nullptr;
void** running_params = nullptr;
Barrier block_barrier;
std::vector<Barrier> warp_barriers;
std::vector<uint32_t> exchange;
std::mutex launch_lock;
unsigned long progress = 0;  // barrier completions and finished threads, to detect deadlock
std::string failure;         // why the current launch failed; empty while it is fine

// Ends the calling fiber for good and tells the scheduler the launch failed.
void fail(const std::string& why) {
  failure = why;
  fibers[current].done = true;
  swapcontext(&fibers[current].ctx, &scheduler);
  std::abort();  // never resumed
}

void yield() { swapcontext(&fibers[current].ctx, &scheduler); }

void wait(Barrier& b, int expected) {
  unsigned gen = b.generation;
  if (++b.count == expected) {
    b.count = 0;
    b.generation++;
    progress++;
    return;
  }
  fibers[current].waiting = true;
  while (b.generation == gen) yield();
  fibers[current].waiting = false;
}

void fiber_main() {
  running(running_params);
  fibers[current].done = true;
  // returning resumes uc_link (the scheduler)
}

int linear_tid() {
  return static_cast<int>(threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z));
}

// Runs one block; false (with failure set) when a thread failed or the block deadlocked.
bool run_block(int threads) {
  for (int i = 0; i < threads; i++) {
    Fiber& f = fibers[i];
    f.done = false;
    f.waiting = false;
    f.tid = dim3(i % blockDim.x, (i / blockDim.x) % blockDim.y, i / (blockDim.x * blockDim.y));
    getcontext(&f.ctx);
    f.ctx.uc_stack.ss_sp = f.stack;
    f.ctx.uc_stack.ss_size = kStackBytes;
    f.ctx.uc_link = &scheduler;
    makecontext(&f.ctx, fiber_main, 0);
  }
  int alive = threads;
  while (alive > 0) {
    unsigned long before = progress;
    bool all_waiting = true;
    for (int i = 0; i < threads; i++) {
      if (fibers[i].done) continue;
      current = i;
      threadIdx = fibers[i].tid;
      swapcontext(&scheduler, &fibers[i].ctx);
      if (!failure.empty()) return false;
      if (fibers[i].done) {
        alive--;
        progress++;
      } else if (!fibers[i].waiting) {
        all_waiting = false;
      }
    }
    // A full round in which every live thread waited and nothing completed repeats forever.
    if (alive > 0 && all_waiting && progress == before) {
      failure = "deadlock in block (" + std::to_string(blockIdx.x) + ", " +
                std::to_string(blockIdx.y) + ", " + std::to_string(blockIdx.z) + "): " +
                std::to_string(alive) + " of " + std::to_string(threads) +
                " threads wait at a barrier that the others never reach (they exited or took "
                "another path)";
      return false;
    }
  }
  return true;
}

}  // namespace

void register_kernel(const char* name, Thunk thunk, int max_threads) {
  registry()[name] = Kernel{thunk, max_threads};
}

void syncthreads() { wait(block_barrier, block_threads); }

uint32_t warp_exchange(uint32_t value, int src_lane) {
  int tid = linear_tid();
  int warp = tid / 32;
  int in_warp = block_threads - warp * 32 < 32 ? block_threads - warp * 32 : 32;
  if (in_warp != 32) {
    fail("warp shuffle in a partial warp (block of " + std::to_string(block_threads) +
         " threads); the emulation supports full warps only");
  }
  exchange[tid] = value;
  wait(warp_barriers[warp], 32);  // everyone has written
  uint32_t r = exchange[warp * 32 + src_lane];
  wait(warp_barriers[warp], 32);  // everyone has read before the next exchange overwrites
  return r;
}

}  // namespace lfhost

extern "C" {

int lfh_kernel_count() { return static_cast<int>(lfhost::registry().size()); }

const char* lfh_kernel_name(int i) {
  auto it = lfhost::registry().begin();
  std::advance(it, i);
  return it->first.c_str();
}

// Why the last launch returned -3.
const char* lfh_last_error() { return lfhost::failure.c_str(); }

// Runs kernel `name` on grid (gx, gy, gz) x block (bx, by, bz); params follow cuLaunchKernel's
// protocol. Returns 0, or -1 for an unknown kernel, -2 for an invalid configuration, -3 when the
// kernel failed in the emulation (deadlock, partial-warp shuffle; see lfh_last_error).
int lfh_launch(const char* name, int gx, int gy, int gz, int bx, int by, int bz, void** params) {
  using namespace lfhost;
  std::lock_guard<std::mutex> guard(launch_lock);
  failure.clear();
  auto it = registry().find(name);
  if (it == registry().end()) return -1;
  long threads = static_cast<long>(bx) * by * bz;
  if (gx < 1 || gy < 1 || gz < 1 || threads < 1 || threads > 1024) return -2;
  if (threads > it->second.max_threads) {
    failure = std::string(name) + ": a block of " + std::to_string(threads) +
              " threads exceeds its __launch_bounds__ of " +
              std::to_string(it->second.max_threads) + " (the launch would fail on a GPU)";
    return -3;
  }
  while (fibers.size() < static_cast<size_t>(threads)) {
    fibers.emplace_back();
    fibers.back().stack = static_cast<char*>(std::malloc(kStackBytes));
  }
  block_threads = static_cast<int>(threads);
  warp_barriers.assign((threads + 31) / 32, Barrier());
  exchange.assign(((threads + 31) / 32) * 32, 0u);
  block_barrier = Barrier();
  running = it->second.thunk;
  running_params = params;
  gridDim = dim3(gx, gy, gz);
  blockDim = dim3(bx, by, bz);
  for (int z = 0; z < gz; z++) {
    for (int y = 0; y < gy; y++) {
      for (int x = 0; x < gx; x++) {
        blockIdx = dim3(x, y, z);
        if (!run_block(block_threads)) return -3;
      }
    }
  }
  return 0;
}
}
