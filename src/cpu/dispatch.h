#pragma once
// CPU-specific code paths, all declared here: functions compiled for more
// than one instruction set, chosen at load or run time, so that one portable
// binary is fast on AVX2 machines (GCC function multiversioning and target
// attributes; other compilers get the portable code only). Speed must not
// depend on what a library guesses about the CPU.

/// Compiles a raw-pointer function twice, for x86-64-v3 (AVX2, FMA) and the
/// baseline; the dynamic loader picks one (target_clones). Only functions
/// that share no inline code with other translation units are cloned, so
/// nothing is built for a CPU it might not run on.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && __GNUC__ >= 11
#define DYNAE_CPU_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define DYNAE_CPU_CLONES
#endif

/// Compiles one function for AVX2 and popcnt; call it only where
/// cpu_has_avx2() (DYNAE_HAS_AVX2_PATH says whether such paths exist).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define DYNAE_HAS_AVX2_PATH 1
#define DYNAE_AVX2 __attribute__((target("avx2,popcnt")))
#endif

namespace dynae {

/// Whether the running CPU has AVX2 and popcnt.
inline bool cpu_has_avx2() {
#ifdef DYNAE_HAS_AVX2_PATH
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
#else
  return false;
#endif
}

}  // namespace dynae
