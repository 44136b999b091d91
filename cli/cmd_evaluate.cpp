#include <cstdio>
#include <memory>
#include <tuple>

#include "commands.h"
#include "number_option.h"
#include "dynae/analysis/metrics.h"
#include "dynae/data/npy.h"
#include "dynae/data/trajectory_set.h"
#include "dynae/errors.h"
#include "metrics_table.h"

namespace dynae::cli {
namespace {

struct EvalArgs {
  std::string latent, truth, other;
  bool bars = false;
  MetricBars limits;
};

void run(const EvalArgs& a) {
  if (a.truth.empty() == a.other.empty()) {
    throw ConfigError("give exactly one of --truth (ground truth) or --other (a second latent)");
  }
  const std::string ref = a.truth.empty() ? a.other : a.truth;
  const std::string ref_flag = a.truth.empty() ? "--other" : "--truth";
  const Array z = read_npy(a.latent);
  const Array x = read_npy(ref);
  for (const auto& [flag, path, array] : {std::tuple<std::string, std::string, const Array*>{"--latent", a.latent, &z},
                                          {ref_flag, ref, &x}}) {
    if (array->rank() != 2) {
      throw DataError(flag + " '" + path + "': expected a 2-D array (frames, coordinates), got " +
                      array->shape_string());
    }
    check_finite(*array, path);
  }
  if (x.frames() != z.frames()) {
    throw DataError("--latent '" + a.latent + "' has " + std::to_string(z.frames()) + " frames but " + ref_flag + " '" +
                    ref + "' has " + std::to_string(x.frames()) + ": expected the same frames in the same order");
  }
  IdentifiabilityMetrics m;
  try {
    m = compare_latents(x, z);
  } catch (const DataError& e) {
    throw DataError("'" + a.latent + "' vs '" + ref + "': " + e.what());
  }
  std::printf("# %s vs %s '%s' (%lld frames)\n", a.latent.c_str(), a.truth.empty() ? "latent" : "truth",
              ref.c_str(), static_cast<long long>(z.frames()));
  bool ok = true;
  std::fputs(metrics_table(m, a.bars ? &a.limits : nullptr, &ok).c_str(), stdout);
  if (a.bars && !ok) throw Error("the latent misses at least one acceptance bar");
}

}  // namespace

void add_evaluate_command(CLI::App& app) {
  auto args = std::make_shared<EvalArgs>();
  CLI::App* cmd = app.add_subcommand(
      "evaluate", "identifiability metrics of a latent against ground truth or another latent");
  cmd->add_option("--latent,-l", args->latent, "latent .npy, (T, d)")->required();
  cmd->add_option("--truth,-t", args->truth, "ground-truth slow coordinates .npy, (T, k)");
  cmd->add_option("--other", args->other, "a second latent (seed-to-seed uniqueness), (T, d)");
  cmd->add_flag("--bars", args->bars,
                "check the acceptance bars (R^2 >= 0.995, disparity <= 0.01, anisotropy <= 1.15, "
                "step variance 2 +/- 0.3); exit 1 when one is missed");
  // A bar given is a bar checked (--bars), not a value ignored without a word.
  const auto bar_given = [args](const std::string&) { args->bars = true; };
  add_number(cmd, "--r2-min", args->limits.min_r2, "bar for R^2 [0.995]", 0, 1)->each(bar_given);
  add_number(cmd, "--disparity-max", args->limits.max_disparity, "bar for the Procrustes disparity [0.01]", 0, 1)->each(bar_given);
  add_number(cmd, "--anisotropy-max", args->limits.max_anisotropy, "bar for the anisotropy [1.15]", 1, kHuge)->each(bar_given);
  add_number(cmd, "--step-variance-tol", args->limits.step_variance_tol, "bar: step variance 2 +/- this [0.3]", 0,
             kHuge)->each(bar_given);
  cmd->footer(
      "r2: linear R^2 of the least-squares map truth -> latent; disparity: similarity-Procrustes\n"
      "disparity (0 = rotated, scaled copy); anisotropy: largest/smallest singular value of that map\n"
      "(1 = isometric); scale: latent units per truth unit; step_variance: per-coordinate variance of\n"
      "z_{t+1} - z_t (2 = unit latent diffusion).");
  cmd->callback([args] { run(*args); });
}

}  // namespace dynae::cli
