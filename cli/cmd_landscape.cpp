// dynae landscape: free energy, basins and force field of a trained model's latent.
#include <cmath>
#include <cstdio>
#include <memory>

#include "commands.h"
#include "number_option.h"
#include "dynae/models/model_inputs.h"
#include "dynae/output_plan.h"
#include "dynae/analysis/plots.h"
#include "dynae/errors.h"
#include "dynae/experiments/model_landscape.h"
#include "dynae/runtime.h"

namespace dynae::cli {
namespace {

struct LandscapeArgs {
  std::string model, out = "landscape";
  std::vector<std::string> inputs;
  LandscapeOptions options;
  WeightArgs weights;
  int64_t threads = 1;
  bool overwrite = false;
};

void run(const LandscapeArgs& a) {
  a.options.validate();
  OutputPlan plan("landscape", a.overwrite);
  plan.input("--model", a.model);
  for (const auto& p : a.inputs) plan.input("--input", p);
  for (const auto& p : a.weights.files) plan.input("--weights", p);
  plan.folder("--out", a.out, landscape_output_names());
  plan.check();
  set_num_threads(a.threads);
  const Model model = Model::load(a.model);
  const ModelLandscape m = model_landscape(
      model, load_frames_for(model, a.inputs, a.weights.spec()), a.options);
  write_landscape(a.out, m);
  if (m.weighted) std::printf("reweighted: each frame counts its weight (populations are fractions of the total weight)\n");
  std::printf("%s", landscape_summary(m.landscape).c_str());
  std::string written = m.force.size() ? ", force.npy" : " (no force field: the model has no dynamics)";
  if (m.model_free_energy.size()) {
    written += ", model_free_energy.npy, free_energy_comparison.csv";
    if (std::isfinite(m.free_energy_rmse)) {
      std::printf("model free energy U (conservative force) against the histogram's: RMSE %.3f kT over %lld bins "
                  "holding >= %.1f%% of the frames\n",
                  m.free_energy_rmse, static_cast<long long>(m.free_energy_bins),
                  100 * ModelLandscape::kFreeEnergyBinFraction);
      std::printf("basin populations of exp(-U) (states.csv, model_population):");
      for (double p : m.model_populations) std::printf(" %.4f", p);
      std::printf("\n");
    } else {
      std::printf("model free energy U written on the grid (other coordinates at their mean); not compared: the "
                  "landscape shows a projection of the %lld-D latent\n",
                  static_cast<long long>(model.options().latent_dim));
    }
  }
  if (m.has_helmholtz) {
    written += ", force_curl_free.npy, force_div_free.npy, helmholtz.csv";
    std::printf("Helmholtz split of the force (share of its mean square, weighted by the density, that is "
                "divergence-free):\n");
    for (const auto& p : m.rotational_fractions) {
      std::printf("  z%lld, z%lld: rotational fraction %.4f\n", static_cast<long long>(p.i),
                  static_cast<long long>(p.j), p.rotational_fraction);
    }
    try {
      plot_helmholtz(m.landscape, m.helmholtz, a.out + "/helmholtz");
      written += ", helmholtz.png/.svg";
    } catch (const Error& e) {
      std::fprintf(stderr, "warning: no Helmholtz figure: %s\n", e.what());
    }
  }
  std::printf("written to %s: free_energy.npy, axis_*.npy, counts.npy, basins.npy, cluster_centers.npy, states.csv, "
              "states_traj*.npy%s\n",
              a.out.c_str(), written.c_str());
}

}  // namespace

void add_landscape_options(CLI::App* cmd, LandscapeOptions& o) {
  add_number(cmd, "--grid", o.bins, "bins per axis", 4, 4096)->capture_default_str();
  add_number(cmd, "--coords", o.coordinates, "latent coordinates on the axes (1 or 2) [0 for d = 1, else 0 1]", 0,
             1023)
      ->delimiter(',');
  add_number(cmd, "--smoothing", o.smoothing, "Gaussian smoothing (bins) before finding basins", 0, 10)
      ->capture_default_str();
  add_number(cmd, "--min-barrier", o.min_barrier, "merge basins separated by a lower barrier (kT)", 0, kHuge)
      ->capture_default_str();
  add_number(cmd, "--min-population", o.min_population, "merge basins holding a smaller fraction of the frames", 0,
             1, "a number in [0, 1)")
      ->capture_default_str();
}

WeightSpec WeightArgs::spec() const {
  WeightSpec w;
  w.files = files;
  w.column = column;
  w.kind = parse_weight_kind(kind);
  w.kT = kT;
  return w;
}

void add_weight_options(CLI::App* cmd, WeightArgs& w) {
  cmd->add_option("--weights", w.files,
                  "per-frame weights of a biased run, one file per input: .npy, a column of numbers, or a COLVAR / CSV")
      ->delimiter(',');
  cmd->add_option("--weights-column", w.column, "column holding the weights: of the inputs, or of the --weights files");
  cmd->add_option("--weights-kind", w.kind, "weights, logweights or bias (w = exp(V / kT), needs --kT)")
      ->capture_default_str();
  add_number(cmd, "--kT", w.kT, "thermal energy in the bias' units (weights kind bias)", kPositive, kHuge,
             "a number > 0 (energy units of the bias)");
}

void add_landscape_command(CLI::App& app) {
  auto args = std::make_shared<LandscapeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "landscape", "free energy, metastable states and force field of a trained model's latent");
  cmd->add_option("--model,-m", args->model, "model checkpoint (model.pt of a run)")->required();
  cmd->add_option("--input,-i", args->inputs, "frames .npy to encode (repeat for several trajectories)")->required();
  cmd->add_option("--out,-o", args->out, "output directory")->capture_default_str();
  add_number(cmd, "--threads", args->threads, "threads (0 = one per core)", 0, 1024)->capture_default_str();
  cmd->add_flag("--overwrite", args->overwrite, "replace the files of an earlier landscape in --out");
  add_landscape_options(cmd, args->options);
  add_weight_options(cmd, args->weights);
  cmd->footer(
      "F = -ln p of the encoded frames in kT, zero at its minimum, NaN where no frame fell. Basins:\n"
      "steepest descent on the smoothed F, merged across barriers below --min-barrier. For d > 2 the\n"
      "landscape is the projection on --coords and the force is evaluated with the other coordinates\n"
      "at their mean. A conservative force's own free energy U goes to model_free_energy.npy, with its\n"
      "RMSE against the histogram's. For d >= 2 the force is split into curl-free and divergence-free\n"
      "parts (Helmholtz; helmholtz.csv gives each coordinate pair's rotational fraction). With --weights or --weights-column (as for train), each frame counts its weight:\n"
      "the reweighted landscape of a biased simulation.");
  cmd->callback([args] { run(*args); });
}

}  // namespace dynae::cli
