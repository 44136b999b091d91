#include <cmath>
#include <cstdio>
#include <memory>

#include "commands.h"
#include "path_option.h"
#include "number_option.h"
#include "dynae/models/model_inputs.h"
#include "dynae/data/npy.h"
#include "dynae/data/trajectory_set.h"
#include "dynae/errors.h"
#include "dynae/models/model.h"
#include "dynae/output_plan.h"
#include "dynae/runtime.h"

namespace dynae::cli {
namespace {

struct EncodeArgs {
  std::string model, input, output, reconstruction, log_variance;
  bool float64 = false, overwrite = false;
  int64_t threads = 1;
};

void run(const EncodeArgs& a) {
  OutputPlan plan("encode", a.overwrite);
  plan.input("--model", a.model);
  plan.input("--input", a.input);
  plan.file("--output", a.output);
  if (!a.reconstruction.empty()) plan.file("--reconstruction", a.reconstruction);
  if (!a.log_variance.empty()) plan.file("--log-variance", a.log_variance);
  plan.check();
  set_num_threads(a.threads);  // the thread count of training gives bit-identical latents
  const Model model = Model::load(a.model);
  if (!a.log_variance.empty() && !model.is_variational()) {
    throw ConfigError("--log-variance: model '" + a.model + "' is a " + model_display_name(model.model_name()) +
                      ", which has no posterior variance (only VAE, SDE-VAE and STA)");
  }
  // .npy, or a COLVAR / CSV file read with the model's feature columns; the
  // segments of a restarted COLVAR are encoded one after another.
  const TrajectorySet data = load_frames_for(model, {a.input});
  std::vector<Array> parts, inputs;
  for (const auto& t : data.trajectories()) {
    parts.push_back(model.encode(t.input));
    if (data.size() > 1) inputs.push_back(t.input);
  }
  const Array x = data.size() == 1 ? data.trajectories()[0].input : Array::concat_frames(inputs);
  const Array z = Array::concat_frames(parts);
  for (int64_t i = 0; i < z.size(); ++i) {
    if (!std::isfinite(z.data[i])) {
      throw DataError("model '" + a.model + "' gives a non-finite latent for frame " +
                      std::to_string(i / z.frame_size()) + " of '" + a.input +
                      "' (inputs far outside its training range?); nothing was written");
    }
  }
  const NpyDtype dt = a.float64 ? NpyDtype::Float64 : NpyDtype::Float32;
  write_npy(a.output, z, dt);
  if (!a.reconstruction.empty()) write_npy(a.reconstruction, model.decode(z), dt);
  if (!a.log_variance.empty()) write_npy(a.log_variance, model.log_variance(x), dt);
  std::printf("encoded %lld frames %s -> latent %s in %s\n", static_cast<long long>(x.frames()),
              x.shape_string().c_str(), z.shape_string().c_str(), a.output.c_str());
}

}  // namespace

void add_encode_command(CLI::App& app) {
  auto args = std::make_shared<EncodeArgs>();
  CLI::App* cmd = app.add_subcommand("encode", "apply a saved model to new frames");
  cmd->add_option("--model,-m", args->model, "model checkpoint (model.pt of a run)")->required()->check(non_empty_path());
  cmd->add_option("--input,-i", args->input, "frames: .npy (T, ...), or a PLUMED COLVAR / CSV / TSV file (read with the model's feature columns)")->required()->check(non_empty_path());
  cmd->add_option("--output,-o", args->output, "latent .npy to write, (T, d)")->required()->check(non_empty_path());
  cmd->add_option("--reconstruction", args->reconstruction, "also write the decoded frames here")->check(non_empty_path());
  cmd->add_option("--log-variance", args->log_variance,
                  "VAE, SDE-VAE: also write the posterior log-variance here (the latent is the posterior mean)")->check(non_empty_path());
  add_number(cmd, "--threads", args->threads, "threads (0 = one per core) [1]", 0, 1024);
  cmd->add_flag("--float64", args->float64, "write float64 instead of float32");
  cmd->add_flag("--overwrite", args->overwrite, "replace existing output files (never an input)");
  cmd->callback([args] { run(*args); });
}

}  // namespace dynae::cli
