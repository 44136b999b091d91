#pragma once
#include <cstdint>
#include <string>

namespace dynae {

/// Threads: n >= 1 sets LibTorch's intra-op pool, OpenBLAS and the fused
/// training's threads to n. The fused path splits each batch into pieces,
/// each computed by its own kernels, one piece per thread at a time, and sums
/// the pieces' gradients in order (training/data_parallel_step.h): n threads
/// train n pieces, what n data-parallel ranks of one thread train. n = 0 is
/// "auto", the fastest measured choice: LibTorch and OpenBLAS on one thread
/// (at these network sizes more threads cost more in fork/join than they
/// save: the plain path takes 2x longer on 2 threads), and the fused path
/// split into one piece per 128 pairs of the batch (batch_pieces), computed
/// on one thread per piece, at most one per core this process may use
/// (kernel_threads): the same pieces, so the same bits, on any machine.
/// Results are bit-identical for the same seed and the same pieces; an
/// explicit thread count changes the pieces.
void set_num_threads(int64_t n);
/// LibTorch's intra-op thread count.
int64_t num_threads();
/// The pieces the fused path splits minibatches of `batch_size` pairs into:
/// the thread count when one was set, else one per 128 pairs (at least 1).
int64_t batch_pieces(int64_t batch_size);
/// The threads that compute those pieces: the thread count when one was set,
/// else one per piece, at most one per core this process may use.
int64_t kernel_threads(int64_t batch_size);
/// The cores this process may run on (its CPU affinity: taskset, Slurm,
/// cgroups), at most OMP_NUM_THREADS when that is set to a positive integer.
int64_t available_cores();

/// Asks glibc's malloc to keep freed blocks of up to 32 MB for reuse instead
/// of returning them to the system: each epoch allocates and frees arrays of
/// every frame's latents, labels and selections, and on long trajectories
/// fresh pages for them (page faults) cost more than the work. Peak memory is
/// unchanged (the same blocks are reused). For programs (the CLI, the
/// benchmarks) to call once at start; a no-op on other C libraries.
void keep_freed_memory();

/// The folder of the bundled examples (examples/, holding data/ and the INI
/// files), found relative to the running program, never compiled in: `given`
/// when not empty; else $DYNAE_EXAMPLES_DIR; else, next to the executable,
/// ../share/dynae/examples (an installed tool; a build tree's bench/), then
/// share/dynae/examples (a build tree, where CMake links it to the sources),
/// then ../examples (a build folder inside the sources). Throws DataError
/// naming the places looked at when none holds examples/data.
std::string examples_dir(const std::string& given = "");

/// SIGINT and SIGTERM, from now on, only set a flag that long work polls
/// (training checks it after every step) so that it stops at a consistent
/// point; a second signal ends the process at once (the default action).
void catch_interrupts();
/// The signal received since catch_interrupts (0: none).
int interrupt_signal();
/// Sets the flag as a caught signal would: for a host with its own signal
/// handlers (the Python interpreter, whose handler saw Ctrl-C) to stop work
/// that polls interrupt_signal() at its next consistent point.
void raise_interrupt(int signal);
/// Clears the flag (after the host has handled the interruption).
void clear_interrupt();

/// SIGBUS, from now on, ends the process with a message that names its
/// likely cause, an input file mapped into memory (read_npy) that was
/// truncated while it was read, and exit status 135 (128 + SIGBUS). Files
/// this library writes are replaced by renaming, so they stay whole.
void explain_bus_errors();

/// This machine's physical memory in bytes (0 when unknown), for refusing
/// sizes that cannot fit before anything is allocated.
double physical_memory_bytes();

/// Sets OpenBLAS's thread count for its lifetime and restores it after
/// (n = 0: leaves it alone; no effect with a BLAS other than OpenBLAS).
class BlasThreadsGuard {
 public:
  explicit BlasThreadsGuard(int n);
  ~BlasThreadsGuard();
  BlasThreadsGuard(const BlasThreadsGuard&) = delete;
  BlasThreadsGuard& operator=(const BlasThreadsGuard&) = delete;

 private:
  int previous_ = 0;
};

/// Sets LibTorch's intra-op thread count for its lifetime and restores it
/// after (n = 0: leaves it alone).
class TorchThreadsGuard {
 public:
  explicit TorchThreadsGuard(int n);
  ~TorchThreadsGuard();
  TorchThreadsGuard(const TorchThreadsGuard&) = delete;
  TorchThreadsGuard& operator=(const TorchThreadsGuard&) = delete;

 private:
  int previous_ = 0;
};

}  // namespace dynae
