// dynae generate: run the learned latent dynamics and check them against the data.
#include <cmath>
#include <cstdio>
#include <memory>
#include <fstream>
#include <sstream>

#include "commands.h"
#include "number_option.h"
#include "dynae/models/model_inputs.h"
#include "dynae/output_plan.h"
#include "dynae/experiments/model_landscape.h"
#include "dynae/atomic_file.h"
#include "dynae/data/npy.h"
#include "dynae/errors.h"
#include "dynae/runtime.h"
#include "dynae/experiments/run.h"

namespace dynae::cli {
namespace {

struct GenerateArgs {
  std::string model, out = "generated";
  std::vector<std::string> from;
  int64_t steps = 0, trajectories = 1, threads = 1;
  uint64_t seed = 0;
  bool no_decode = false, unit_diffusion = false, overwrite = false;
  LandscapeOptions options;
};

std::string report(const DynamicsCheck& c, const Landscape& l, int64_t steps, int64_t trajectories) {
  std::ostringstream os;
  char buf[200];
  os << "# Generated vs encoded dynamics\n\n" << trajectories << " generated trajector" << (trajectories == 1 ? "y" : "ies")
     << " of " << steps << " steps, seen on the free-energy grid of the encoded data.\n\n";
  std::snprintf(buf, sizeof buf, "Jensen-Shannon divergence of the stationary histograms: %.4f (0 = identical, ln 2 = disjoint)\n\n",
                c.js_divergence);
  os << buf << "| state | population (encoded) | population (generated) | mean lifetime, frames (encoded) | "
                "mean lifetime, frames (generated) | stays (encoded) | stays (generated) |\n|---|---|---|---|---|---|---|\n";
  for (int64_t k = 0; k < l.basins(); ++k) {
    std::snprintf(buf, sizeof buf, "| %lld | %.4f | %.4f | %.1f | %.1f | %lld | %lld |\n", static_cast<long long>(k),
                  c.reference.populations[k], c.generated.populations[k], c.reference.lifetimes[k],
                  c.generated.lifetimes[k], static_cast<long long>(c.reference.visits[k]),
                  static_cast<long long>(c.generated.visits[k]));
    os << buf;
  }
  return os.str();
}

void run(const GenerateArgs& a) {
  a.options.validate();
  OutputPlan plan("generate", a.overwrite);
  plan.input("--model", a.model);
  for (const auto& p : a.from) plan.input("--from", p);
  plan.folder("--out", a.out,
              {"latent_gen*.npy", "decoded_gen*.npy", "histogram_encoded.npy", "histogram_generated.npy", "landscape/",
               "generate_report.md"});
  plan.check();
  set_num_threads(a.threads);
  const Model model = Model::load(a.model);
  {
    // What the generated latents (and decoded frames) will hold, before anything runs.
    const double values = static_cast<double>(a.steps + 1) * static_cast<double>(a.trajectories) *
                          static_cast<double>(model.options().latent_dim);
    const double memory = physical_memory_bytes();
    if (memory > 0 && 16.0 * values > memory) {
      throw ConfigError("--steps " + std::to_string(a.steps) + " x --trajectories " + std::to_string(a.trajectories) +
                        " latents need more than this machine's " + std::to_string(static_cast<int64_t>(memory / 1e9)) +
                        " GB of memory; generate fewer or shorter trajectories");
    }
  }
  if (!model.has_dynamics()) {
    throw ConfigError("'" + a.model + "' is a " + model_display_name(model.model_name()) +
                      ", which has no learned latent dynamics to run (only DynAE and SDE-VAE)");
  }
  const ModelLandscape m = model_landscape(model, load_frames_for(model, a.from), a.options,
                                           /*helmholtz=*/false);
  const int64_t d = model.options().latent_dim;
  std::vector<double> start;
  for (int64_t i = 0; i < a.trajectories; ++i) {
    const int64_t t = i * m.latent.frames() / a.trajectories;
    for (int64_t j = 0; j < d; ++j) start.push_back(m.latent.at(t, j));
  }
  std::fprintf(stderr, "running the learned dynamics: %lld trajector%s x %lld steps\n",
               static_cast<long long>(a.trajectories), a.trajectories == 1 ? "y" : "ies", static_cast<long long>(a.steps));
  double acceptance = NAN;
  const Array& measured = model.latent_diffusion();
  if (measured.size() && !a.unit_diffusion) {
    std::ostringstream os;
    os.precision(4);
    for (int64_t i = 0; i < d; ++i) {
      os << (i ? "; " : "");
      for (int64_t j = 0; j < d; ++j) os << (j ? " " : "") << measured.at(i, j);
    }
    std::fprintf(stderr, "noise: the latent's measured diffusion D = [%s] (the unit diffusion of the prior: "
                 "--unit-diffusion)\n", os.str().c_str());
  }
  const Array z = model.simulate_latent(Array({a.trajectories, d}, start), a.steps, a.seed, &acceptance,
                                        a.unit_diffusion);  // (steps+1, M, d)
  if (std::isfinite(acceptance)) {
    std::fprintf(stderr, "conservative force: Metropolis-adjusted steps (stationary density exp(-U)), %.1f%% of the "
                 "moves accepted\n", 100 * acceptance);
    if (acceptance < 0.5) {
      std::fprintf(stderr, "warning: fewer than half of the moves were accepted: U is steep over one move, so the "
                   "stationary density is still exp(-U) but the generated kinetics are slowed (a model trained with "
                   "prior_substeps > 1 moves in smaller steps)\n");
    }
  }
  make_directories(a.out);
  std::vector<Array> generated;
  std::vector<int64_t> lengths;
  for (int64_t i = 0; i < a.trajectories; ++i) {
    std::vector<double> zi;
    zi.reserve(static_cast<size_t>((a.steps + 1) * d));
    for (int64_t s = 0; s <= a.steps; ++s) {
      for (int64_t j = 0; j < d; ++j) zi.push_back(z.data[(s * a.trajectories + i) * d + j]);
    }
    const Array traj({a.steps + 1, d}, zi);
    write_npy(a.out + "/latent_gen" + std::to_string(i) + ".npy", traj);
    if (!a.no_decode) write_npy(a.out + "/decoded_gen" + std::to_string(i) + ".npy", model.decode(traj));
    generated.push_back(traj);
    lengths.push_back(a.steps + 1);
  }
  const Array gen = Array::concat_frames(generated);
  const DynamicsCheck c = compare_dynamics(m.landscape, m.latent, m.lengths, gen, lengths);
  const int64_t cells = static_cast<int64_t>(c.reference_histogram.size()) - 1;
  write_npy(a.out + "/histogram_encoded.npy",
            Array(m.landscape.counts.shape, std::vector<double>(c.reference_histogram.begin(), c.reference_histogram.begin() + cells)),
            NpyDtype::Float64);
  write_npy(a.out + "/histogram_generated.npy",
            Array(m.landscape.counts.shape, std::vector<double>(c.generated_histogram.begin(), c.generated_histogram.begin() + cells)),
            NpyDtype::Float64);
  write_landscape(a.out + "/landscape", m);
  const std::string text = report(c, m.landscape, a.steps, a.trajectories);
  write_text_atomically(a.out + "/generate_report.md", text);
  std::printf("%s\nwritten to %s: latent_gen*.npy%s, histogram_{encoded,generated}.npy, generate_report.md, landscape/\n",
              text.c_str(), a.out.c_str(), a.no_decode ? "" : ", decoded_gen*.npy");
}

}  // namespace

void add_generate_command(CLI::App& app) {
  auto args = std::make_shared<GenerateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "generate", "run the model's learned latent dynamics and compare them with the encoded data");
  cmd->add_option("--model,-m", args->model, "model checkpoint (DynAE or SDE-VAE)")->required();
  add_number(cmd, "--steps,-n", args->steps, "steps per generated trajectory (one step = one lag)", 1, kMaxCount)
      ->required();
  cmd->add_option("--from,-f", args->from, "frames .npy: starting points and the data to compare with")->required();
  add_number(cmd, "--trajectories", args->trajectories, "generated trajectories, started from evenly spaced frames", 1,
             100000)
      ->capture_default_str();
  add_number(cmd, "--seed", args->seed, "noise seed", 0, kMaxSeed)->capture_default_str();
  cmd->add_flag("--no-decode", args->no_decode, "do not write the decoded frames");
  cmd->add_flag("--unit-diffusion", args->unit_diffusion,
                "DynAE: run the prior's unit diffusion instead of the diffusion measured on the latent at the end of "
                "training (residual moves of the refitted force)");
  cmd->add_option("--out,-o", args->out, "output directory")->capture_default_str();
  cmd->add_flag("--overwrite", args->overwrite, "replace the files of an earlier generate in --out");
  add_number(cmd, "--threads", args->threads, "threads (0 = one per core)", 0, 1024)->capture_default_str();
  add_landscape_options(cmd, args->options);
  cmd->callback([args] { run(*args); });
}

}  // namespace dynae::cli
