// Host runtime of the kernel emulation: kernel registry, launches, and the fiber scheduler that runs
// the threads of one block cooperatively so that __syncthreads() and warp shuffles behave as on a
// GPU. Exposed to Java (FFM) through lfh_launch and lfh_kernel_count/lfh_kernel_name.
//
// The fiber switch is chosen at compile time (lfh_fiber_switch() names it): on x86-64 a few
// instructions of assembly (callee-saved registers, stack pointer, x87 control word and MXCSR) that
// make no system call; elsewhere, or with -DLF_HOST_UCONTEXT_FIBERS, ucontext's swapcontext, which
// also saves and restores the signal mask with a system call on every switch (about 0.2 us each,
// which made a shuffle-heavy kernel such as paged attention take seconds per launch).
#if defined(__x86_64__) && !defined(LF_HOST_UCONTEXT_FIBERS)
#define LF_HOST_ASM_FIBERS 1
#else
#include <ucontext.h>
#endif
#include <sys/mman.h>
#include <unistd.h>

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

#ifdef LF_HOST_ASM_FIBERS
// lf_fiber_switch(void** save_sp, void* load_sp): pushes the callee-saved registers and the
// floating-point control words on the current stack, stores the stack pointer in *save_sp, loads
// load_sp and pops the same frame from there. Every other register is caller-saved in the System V
// ABI, so the C++ caller has already spilled what it needs. The signal mask is deliberately left
// alone: kernels never change it, and saving it is the system call this replaces.
asm(R"(
  .text
  .p2align 4
  .globl lf_fiber_switch
  .hidden lf_fiber_switch
  .type lf_fiber_switch, @function
lf_fiber_switch:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  subq $16, %rsp
  stmxcsr 8(%rsp)
  fnstcw (%rsp)
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  ldmxcsr 8(%rsp)
  fldcw (%rsp)
  addq $16, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .size lf_fiber_switch, .-lf_fiber_switch
)");
extern "C" void lf_fiber_switch(void** save_sp, void* load_sp);
#endif

namespace lfhost {
namespace {

constexpr size_t kStackBytes = 256 * 1024;

#ifdef LF_HOST_ASM_FIBERS
struct Context {
  void* sp = nullptr;
};

// Lays out a fresh fiber's stack as lf_fiber_switch leaves a suspended one: the control words,
// six zeroed registers, then `entry` as the return address, placed so that entry begins with a
// called function's alignment (rsp + 8 a multiple of 16). The zero above it ends backtraces.
void context_start(Context& c, char* stack, size_t bytes, void (*entry)()) {
  auto* top = reinterpret_cast<uint64_t*>(reinterpret_cast<uintptr_t>(stack + bytes) &
                                          ~static_cast<uintptr_t>(15));
  uint64_t* sp = top - 10;
  uint32_t mxcsr;
  uint16_t fcw;
  asm volatile("stmxcsr %0" : "=m"(mxcsr));
  asm volatile("fnstcw %0" : "=m"(fcw));
  sp[0] = fcw;
  sp[1] = mxcsr;
  for (int i = 2; i < 8; i++) sp[i] = 0;  // r15, r14, r13, r12, rbx, rbp
  sp[8] = reinterpret_cast<uint64_t>(entry);
  sp[9] = 0;
  c.sp = sp;
}

inline void context_switch(Context& from, Context& to) { lf_fiber_switch(&from.sp, to.sp); }

constexpr const char* kFiberSwitch = "x86-64 assembly";
#else
struct Context {
  ucontext_t uc;
};

void context_start(Context& c, char* stack, size_t bytes, void (*entry)()) {
  getcontext(&c.uc);
  c.uc.uc_stack.ss_sp = stack;
  c.uc.uc_stack.ss_size = bytes;
  c.uc.uc_link = nullptr;  // entry never returns
  makecontext(&c.uc, entry, 0);
}

inline void context_switch(Context& from, Context& to) { swapcontext(&from.uc, &to.uc); }

constexpr const char* kFiberSwitch = "ucontext";
#endif

struct Barrier {
  int count = 0;
  unsigned generation = 0;
};

struct Fiber {
  Context ctx;
  char* stack = nullptr;  // kStackBytes above a PROT_NONE guard page
  dim3 tid;
  bool done = false;
  const Barrier* blocked_on = nullptr;  // the barrier it waits at; null when it can run
  unsigned blocked_generation = 0;      // that barrier's generation when it began to wait
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
Context scheduler;
int current = 0;
int block_threads = 0;
int alive = 0;       // threads of the running block that have not finished
bool stuck = false;  // the live threads all wait at barriers that none of them can complete
Thunk running = nullptr;
void** running_params = nullptr;
Barrier block_barrier;
std::vector<Barrier> warp_barriers;
// Two exchange buffers, used by alternate shuffles of a warp (picked by the warp barrier's
// generation), so that a shuffle takes one barrier instead of write, barrier, read, barrier.
std::vector<uint32_t> exchange[2];
std::mutex launch_lock;
std::string failure;  // why the current launch failed; empty while it is fine

// A stack with a PROT_NONE page below it, so that an overflow faults instead of silently
// overwriting other memory. Null when the memory cannot be had.
char* map_stack() {
  size_t guard = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  size_t bytes = kStackBytes + guard;
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                 -1, 0);
  if (p == MAP_FAILED) return nullptr;
  if (mprotect(p, guard, PROT_NONE) != 0) {
    munmap(p, bytes);
    return nullptr;
  }
  return static_cast<char*>(p) + guard;
}

// Leaves the calling fiber for the next one that can run, in ascending thread order after the
// caller and wrapping around: one that has not finished and does not wait at a barrier that is
// still incomplete (those are skipped without a switch). Fibers switch directly to each other; the
// scheduler is resumed only when no fiber can run: every thread finished, or the live ones all wait
// at barriers that only the finished or the waiting could complete, which nothing can change.
void switch_away() {
  Fiber& self = fibers[current];
  for (int step = 1; step < block_threads; step++) {
    int i = current + step;
    if (i >= block_threads) i -= block_threads;
    Fiber& f = fibers[i];
    if (f.done) continue;
    if (f.blocked_on != nullptr && f.blocked_on->generation == f.blocked_generation) continue;
    current = i;
    threadIdx = f.tid;
    context_switch(self.ctx, f.ctx);
    return;
  }
  stuck = alive > 0;
  context_switch(self.ctx, scheduler);
}

// Ends the calling fiber for good and tells the scheduler the launch failed.
void fail(const std::string& why) {
  failure = why;
  fibers[current].done = true;
  context_switch(fibers[current].ctx, scheduler);
  std::abort();  // never resumed
}

void wait(Barrier& b, int expected) {
  unsigned gen = b.generation;
  if (++b.count == expected) {
    b.count = 0;
    b.generation++;
    return;
  }
  Fiber& self = fibers[current];
  self.blocked_on = &b;
  self.blocked_generation = gen;
  switch_away();  // resumed only after b.generation moved on
  self.blocked_on = nullptr;
}

[[noreturn]] void fiber_main() {
  running(running_params);
  fibers[current].done = true;
  alive--;
  switch_away();  // a finished fiber is never resumed
  std::abort();
}

int linear_tid() {
  return static_cast<int>(threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z));
}

// Runs one block; false (with failure set) when a thread failed or the block deadlocked.
bool run_block(int threads) {
  for (int i = 0; i < threads; i++) {
    Fiber& f = fibers[i];
    f.done = false;
    f.blocked_on = nullptr;
    f.tid = dim3(i % blockDim.x, (i / blockDim.x) % blockDim.y, i / (blockDim.x * blockDim.y));
    context_start(f.ctx, f.stack, kStackBytes, fiber_main);
  }
  alive = threads;
  stuck = false;
  current = 0;
  threadIdx = fibers[0].tid;
  context_switch(scheduler, fibers[0].ctx);  // back once all finished, one failed, or deadlock
  if (!failure.empty()) return false;
  if (stuck) {
    failure = "deadlock in block (" + std::to_string(blockIdx.x) + ", " +
              std::to_string(blockIdx.y) + ", " + std::to_string(blockIdx.z) + "): " +
              std::to_string(alive) + " of " + std::to_string(threads) +
              " threads wait at a barrier that the others never reach (they exited or took "
              "another path)";
    return false;
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
  Barrier& b = warp_barriers[warp];
  std::vector<uint32_t>& buffer = exchange[b.generation & 1u];
  buffer[tid] = value;
  // After this barrier every lane has written. The next shuffle writes the other buffer, and the
  // one after it (this buffer again) cannot begin before every lane passed the next barrier, which
  // each lane reaches only after its read here.
  wait(b, 32);
  return buffer[warp * 32 + src_lane];
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

// The fiber switch this library was built with: "x86-64 assembly" or "ucontext".
const char* lfh_fiber_switch() { return lfhost::kFiberSwitch; }

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
  // Fibers and their stacks are made once and reused by every later launch.
  while (fibers.size() < static_cast<size_t>(threads)) {
    char* stack = map_stack();
    if (stack == nullptr) {
      failure = "cannot map a fiber stack for a block of " + std::to_string(threads) + " threads";
      return -3;
    }
    fibers.emplace_back();
    fibers.back().stack = stack;
  }
  block_threads = static_cast<int>(threads);
  warp_barriers.assign((threads + 31) / 32, Barrier());
  for (auto& e : exchange) e.assign(((threads + 31) / 32) * 32, 0u);
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
