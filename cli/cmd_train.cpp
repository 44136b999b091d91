#include <cstdio>
#include <map>
#include <memory>

#include "commands.h"
#include "dynae/config/run_settings.h"
#include "dynae/errors.h"
#include "dynae/training/run.h"
#include "dynae/training/sweep.h"
#include "dynae/analysis/report.h"

namespace dynae::cli {
namespace {

struct TrainArgs {
  std::string config;
  std::string out = "dynae_out";
  bool quiet = false, reuse = false, report = false;
  std::vector<std::string> inputs, targets, truth;
  std::map<std::string, std::string> values;  // flag -> text
};

// Flag name -> configuration key (the reference INI's names).
const std::pair<const char*, const char*> kFlags[] = {
    {"d", "d"},
    {"encoder-hidden", "neuron_num1"},
    {"decoder-hidden", "neuron_num2"},
    {"prior-hidden", "prior_neuron_num"},
    {"encoder-type", "encoder_type"},
    {"decoder-type", "decoder_type"},
    {"model", "model"},
    {"projections", "projection_num"},
    {"min-dist", "min_dist"},
    {"bias-factor", "bias_factor"},
    {"max-centers", "max_centers"},
    {"sdevae-nu", "sdevae_nu"},
    {"tica-ridge", "tica_ridge"},
    {"learn-diffusion", "learn_diffusion"},
    {"batch-size", "batch_size"},
    {"epochs", "max_epochs"},
    {"lr", "learning_rate"},
    {"beta", "beta"},
    {"lr-step-size", "lr_scheduler_step_size"},
    {"lr-gamma", "lr_scheduler_gamma"},
    {"log-interval", "log_interval"},
    {"lag", "lag"},
    {"warmup-epochs", "warmup_epochs"},
    {"prior-refit-steps", "prior_refit_steps"},
    {"fused-kernels", "fused_kernels"},
    {"test-fraction", "test_fraction"},
    {"seed", "seed"},
    {"save-traj-results", "SaveTrajResults"},
    {"save-progress", "SaveTrainingProgress"},
    {"threads", "threads"},
};

const char* help_for(const std::string& key) {
  static const std::map<std::string, const char*> h = {
      {"d", "latent dimension d [2]"},
      {"neuron_num1", "encoder hidden width [32]"},
      {"neuron_num2", "decoder hidden width [32]"},
      {"prior_neuron_num", "force/diffusion net hidden width [32]"},
      {"encoder_type", "fc_encoder or conv_encoder (image frames) [fc_encoder]"},
      {"decoder_type", "fc_decoder or deconv_decoder (image frames) [fc_decoder]"},
      {"model", "DynamicsAE (dynae), VAE, SWAE, SDE-VAE (sdevae), TAE (time-lagged autoencoder) or TICA [DynamicsAE]"},
      {"sdevae_nu", "SDE-VAE: precision nu of the prior N(0, I/nu) of z0 [0.0065]"},
      {"tica_ridge", "TICA: ridge added to C(0), relative to the mean feature variance [1e-6]"},
      {"projection_num", "sliced-Wasserstein directions L [50]"},
      {"min_dist", "regular-space clustering d_min, latent units [5]"},
      {"bias_factor", "well-tempered bias factor (1 = no reweighting) [2]"},
      {"max_centers", "most cluster centres before 'increase d_min' [200]"},
      {"learn_diffusion", "learn a diagonal diffusion D(z) (True/False) [False]"},
      {"batch_size", "pairs per batch B [256]"},
      {"max_epochs", "epochs, warm-up included [50]"},
      {"learning_rate", "Adam learning rate [1e-3]"},
      {"beta", "weight of the sliced-Wasserstein term [10]"},
      {"lr_scheduler_step_size", "StepLR period in epochs [100]"},
      {"lr_scheduler_gamma", "StepLR factor (1 = no decay) [1]"},
      {"log_interval", "epochs between progress snapshots [10]"},
      {"lag", "lag tau in frames [1]"},
      {"warmup_epochs", "epochs at beta/100 and lr 1e-4 before the full loss and resampling [1]"},
      {"test_fraction", "held-out fraction of pairs [0.2]"},
      {"prior_refit_steps", "DynAE: Adam steps (batches of 4096, decaying lr) refitting the force to the final latent; 0 = off [2000]"},
      {"fused_kernels", "DynAE, vector data, fixed diffusion: fused hand-written kernels (True) or the plain LibTorch autograd path (False); same numbers to float rounding [True]"},
      {"seed", "random seed [0]"},
      {"SaveTrajResults", "write reconstructions (True/False) [True]"},
      {"SaveTrainingProgress", "latents + checkpoint every log_interval epochs [False]"},
      {"threads", "LibTorch + OpenBLAS threads, 0 = one per core [1]; 1 is fastest at small sizes"},
  };
  auto it = h.find(key);
  return it == h.end() ? "" : it->second;
}

void run(const TrainArgs& a) {
  ConfigSpec spec;
  if (!a.config.empty()) read_ini_config(a.config, spec);
  if (!a.inputs.empty()) spec.set("input_data", a.inputs, "--input");
  if (!a.targets.empty()) spec.set("target_data", a.targets, "--target");
  for (const auto& [flag, key] : kFlags) {
    auto it = a.values.find(flag);
    if (it != a.values.end() && !it->second.empty()) spec.set(key, it->second, std::string("--") + flag);
  }
  const std::vector<RunSettings> runs = spec.expand();
  if (runs.size() > 1) std::fprintf(stderr, "%zu runs (one per combination of listed values)\n", runs.size());
  const std::vector<SweepRun> done = run_sweep(runs, a.out, a.truth, a.quiet ? nullptr : stderr, a.reuse);
  for (const auto& r : done) {
    std::printf("%s: %s, %lld epochs in %.1f s", r.dir.c_str(), model_display_name(r.options.model).c_str(),
                static_cast<long long>(r.epochs), r.seconds);
    if (r.has_metrics) {
      std::printf("; R^2 %.4f, disparity %.4f, anisotropy %.3f", r.metrics.r2, r.metrics.disparity,
                  r.metrics.anisotropy);
    }
    std::printf("\n");
  }
  if (done.size() > 1) std::printf("summary: %s/summary.md and %s/summary.csv\n", a.out.c_str(), a.out.c_str());
  if (a.report) {
    ReportOptions ro;
    ro.truth_paths = a.truth;
    for (const auto& r : done) std::printf("report: %s\n", write_report(r.dir, ro).c_str());
  }
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
  CLI::App* cmd = app.add_subcommand("train", "train a DynAE (or a baseline) on .npy trajectories");
  cmd->add_option("--config,-c", args->config,
                  "INI config (the reference implementation's format); flags override it");
  cmd->add_option("--input,-i", args->inputs, "input trajectory .npy (repeat for several)");
  cmd->add_option("--target", args->targets, "target trajectory .npy per input (default: the input)");
  cmd->add_option("--truth", args->truth,
                  "ground-truth .npy per input: each run is scored (R^2, disparity, anisotropy) in the summary");
  cmd->add_option("--out,-o", args->out, "output directory")->capture_default_str();
  cmd->add_flag("--quiet,-q", args->quiet, "no progress output");
  cmd->add_flag("--report", args->report,
                "write report.html (figures, metrics with --truth, generated dynamics) into each run directory");
  cmd->add_flag("--reuse", args->reuse,
                "skip runs whose directory holds a finished run with the same configuration (resume a sweep)");
  for (const auto& [flag, key] : kFlags) {
    cmd->add_option(std::string("--") + flag, args->values[flag],
                    std::string(help_for(key)) + "; a list such as 0,1,2 runs a sweep");
  }
  cmd->callback([args] { run(*args); });
  cmd->footer(
      "Every run writes config.ini, model.pt, losses.csv, train.log, latent_traj<i>.npy,\n"
      "reconstruction_traj<i>.npy and cluster_centers.npy into its output directory (VAE, SDE-VAE:\n"
      "also latent_logvar_traj<i>.npy; TICA: tica_eigenvalues.npy). Listed values run a sweep: one\n"
      "sub-directory per combination, and summary.md / summary.csv in the output directory.");
}

}  // namespace dynae::cli
