// dynae kinetics: Markov state models, implied timescales, CK test and VAMP-2
// of a model's latent, a latent .npy, or given discrete trajectories.
#include <cstdio>
#include <memory>

#include "commands.h"
#include "number_option.h"
#include "dynae/models/model_inputs.h"
#include "dynae/output_plan.h"
#include "dynae/data/npy.h"
#include "dynae/data/trajectory_set.h"
#include "dynae/errors.h"
#include "dynae/experiments/kinetics.h"
#include "dynae/experiments/sweep.h"
#include "dynae/runtime.h"

namespace dynae::cli {
namespace {

struct KineticsArgs {
  std::string model, out = "kinetics";
  std::vector<std::string> inputs, latents, states, truth, vamp_models, vamp_features;
  bool non_reversible = false, no_generate = false, overwrite = false;
  int64_t threads = 1;
  KineticsOptions options = [] {
    KineticsOptions o;
    o.its.bootstrap = 100;
    return o;
  }();
};

void run(KineticsArgs a) {
  a.options.its.msm.reversible = !a.non_reversible;
  a.options.generate = !a.no_generate;
  a.options.validate();
  const int given = !a.model.empty() + !a.latents.empty() + !a.states.empty();
  if (given != 1) throw ConfigError("kinetics: give exactly one of --model (with --input), --latent or --states");
  if (!a.model.empty() && a.inputs.empty()) throw ConfigError("kinetics: --model needs the frames to encode (--input)");
  if (a.model.empty() && !a.inputs.empty()) throw ConfigError("kinetics: --input is encoded by a --model; give one");
  if (!a.vamp_models.empty() && a.inputs.empty()) throw ConfigError("kinetics: --vamp-model needs --input frames to encode");
  OutputPlan plan("kinetics", a.overwrite);
  plan.input("--model", a.model);
  for (const auto& [flag, paths] : std::vector<std::pair<const char*, const std::vector<std::string>*>>{
           {"--input", &a.inputs}, {"--latent", &a.latents}, {"--states", &a.states}, {"--truth", &a.truth},
           {"--vamp-model", &a.vamp_models}, {"--vamp-features", &a.vamp_features}}) {
    for (const auto& p : *paths) plan.input(flag, p);
  }
  plan.folder("--out", a.out, kinetics_output_names());
  plan.check();
  set_num_threads(a.threads);
  KineticsInput in;
  Model model(nullptr);
  if (!a.model.empty()) {
    model = Model::load(a.model);
    const TrajectorySet data = load_frames_for(model, a.inputs);
    std::fprintf(stderr, "encoding %zu trajector%s with %s\n", data.size(), data.size() == 1 ? "y" : "ies", a.model.c_str());
    std::vector<Array> inputs;
    for (const auto& t : data.trajectories()) {
      in.latents.push_back(model.encode(t.input));
      inputs.push_back(t.input);
    }
    in.model = &model;
    in.vamp_candidates.push_back({"input features", inputs});
    for (const auto& path : a.vamp_models) {
      const Model other = Model::load(path);
      std::vector<Array> z;
      for (const auto& t : data.trajectories()) z.push_back(other.encode(t.input));
      in.vamp_candidates.push_back({model_display_name(other.model_name()) + " latent (" + path + ")", z});
    }
  }
  if (!a.latents.empty()) in.latents = read_finite_arrays(a.latents);
  if (!a.states.empty()) in.states = load_discrete_trajectories(a.states);
  if (!a.truth.empty()) {  // one file per trajectory, as many frames as it (errors name the file)
    std::vector<int64_t> lengths;
    for (const auto& z : in.latents) lengths.push_back(z.frames());
    for (const auto& s : in.states) lengths.push_back(static_cast<int64_t>(s.size()));
    in.truth = split_frames(load_truth(a.truth, lengths), lengths);
  }
  if (!a.vamp_features.empty()) in.vamp_candidates.push_back({"features (" + a.vamp_features[0] + ", ...)", read_finite_arrays(a.vamp_features)});
  std::fprintf(stderr, "estimating Markov state models at %s\n",
               a.options.lags.empty() ? "the default lags" : (std::to_string(a.options.lags.size()) + " lags").c_str());
  const KineticsResult r = analyse_kinetics(in, a.options);
  write_kinetics(a.out, r);
  std::printf("%s\nwritten to %s: its.csv, ck.csv, vamp2.csv, msm_T_lag*.npy, msm_active_lag*.npy, stationary.npy, "
              "dtraj_*.npy, kinetics.md, its.{png,svg}, ck.{png,svg}\n",
              kinetics_summary(r).c_str(), a.out.c_str());
}

}  // namespace

void add_kinetics_command(CLI::App& app) {
  auto args = std::make_shared<KineticsArgs>();
  KineticsOptions& o = args->options;
  CLI::App* cmd = app.add_subcommand(
      "kinetics", "Markov state models on a latent: implied timescales, Chapman-Kolmogorov test, VAMP-2 scores");
  cmd->add_option("--model,-m", args->model, "model checkpoint: its latent of --input is analysed");
  cmd->add_option("--input,-i", args->inputs, "frames .npy encoded by --model (repeat for several trajectories)");
  cmd->add_option("--latent", args->latents, "latent .npy (T, d) per trajectory, instead of --model");
  cmd->add_option("--states", args->states, "discrete trajectories .npy (T) of integer states, -1 = unassigned");
  cmd->add_option("--truth", args->truth, "ground truth .npy per trajectory: its own basins' timescales beside the latent's");
  cmd->add_option("--out,-o", args->out, "output directory")->capture_default_str();
  add_number(cmd, "--lags", o.lags,
             "lags in frames, e.g. 1,2,5,10 [log-spaced up to a tenth of the shortest trajectory]", 1, kMaxCount)
      ->delimiter(',');
  add_number(cmd, "--processes", o.its.processes, "slowest processes reported", 1, 1000)->capture_default_str();
  add_number(cmd, "--bootstrap", o.its.bootstrap,
             "bootstrap samples for 95 % intervals (whole trajectories from 20 of them on, else blocks); 0 = none", 0,
             100000)
      ->capture_default_str();
  cmd->add_flag("--non-reversible", args->non_reversible, "non-reversible MLE (row-normalised counts) instead of the reversible one");
  add_number(cmd, "--clusters", o.clusters, "k-means centres on the latent instead of the free-energy basins", 2,
             10000);
  add_number(cmd, "--regspace", o.regspace,
             "regular-space centres this far apart (latent units) instead of the basins", kPositive, kHuge,
             "a distance > 0 (latent units)");
  add_number(cmd, "--ck-lag", o.ck_lag, "lag (frames) of the CK test [the lag where the slowest timescale has converged]",
             1, kMaxCount);
  add_number(cmd, "--ck-steps", o.ck_steps, "CK test multiples k = 1..K of the lag", 1, 1000)->capture_default_str();
  add_number(cmd, "--vamp-lag", o.vamp_lag, "lag (frames) of the VAMP-2 scores [the CK lag]", 1, kMaxCount);
  cmd->add_option("--vamp-model", args->vamp_models, "further model whose latent of --input is scored by VAMP-2 (repeat)");
  cmd->add_option("--vamp-features", args->vamp_features, "further feature .npy per trajectory scored by VAMP-2");
  add_number(cmd, "--vamp-test-fraction", o.vamp_test_fraction, "held-out fraction for the cross-validated VAMP-2", 1e-6,
             1 - 1e-6, "a fraction in (0, 1)")
      ->capture_default_str();
  cmd->add_flag("--no-generate", args->no_generate, "do not run the learned dynamics (DynAE, SDE-VAE)");
  cmd->add_flag("--unit-diffusion", args->options.unit_diffusion,
                "DynAE: run the learned dynamics with the prior's unit diffusion instead of the diffusion measured on "
                "the latent at the end of training");
  add_number(cmd, "--dt-frame", o.dt_frame, "time of one frame, for times in physical units", kPositive, kHuge,
             "a time > 0")
      ->capture_default_str();
  cmd->add_option("--time-unit", o.time_unit, "name of the time unit of --dt-frame")->capture_default_str();
  add_number(cmd, "--seed", o.its.seed, "seed of the bootstrap, k-means and the generated dynamics", 0, kMaxSeed)
      ->capture_default_str();
  add_number(cmd, "--threads", args->threads, "threads (0 = one per core)", 0, 1024)->capture_default_str();
  cmd->add_flag("--overwrite", args->overwrite, "replace the files of an earlier kinetics in --out");
  add_landscape_options(cmd, o.landscape);
  cmd->footer(
      "Each source (the latent or the given states; the ground truth with --truth; the model's own latent\n"
      "dynamics for DynAE and SDE-VAE, run from each trajectory's first frame for as many steps as it has\n"
      "frames) is discretised (free-energy basins of dynae landscape, or --clusters / --regspace centres),\n"
      "and a reversible maximum-likelihood MSM is estimated at each lag on its largest connected set.\n"
      "Implied timescales -lag / ln|lambda_i|, in frames or --dt-frame units; 'inf' for lambda = 1.");
  cmd->callback([args] { run(*args); });
}

std::vector<Array> read_finite_arrays(const std::vector<std::string>& paths) {
  std::vector<Array> out;
  for (const auto& p : paths) {
    out.push_back(read_npy(p));
    check_finite(out.back(), p);
  }
  return out;
}

}  // namespace dynae::cli
