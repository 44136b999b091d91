// Model::save / load: a LibTorch archive holding a format tag, the
// options as key=value text, frame shapes, cluster centres and the weights of
// each network. Written to a temporary file and renamed.
#include <sstream>

#include "data/tensor_convert.h"
#include "dynae/errors.h"
#include "models/model_impl.h"
#include "util/atomic_file.h"

namespace dynae {
namespace {

// v2 added the model name (baselines) and TICA's eigenvalues; v1 files are
// DynAE models and still load.
const char kFormat[] = "dynae-model-v2";
const char kFormatV1[] = "dynae-dynae-model-v1";

std::string options_text(const ModelOptions& o) {
  std::ostringstream os;
  os.precision(17);
  os << "model=" << o.model << "\nsdevae_nu=" << o.sdevae_nu << "\ntica_ridge=" << o.tica_ridge
     << "\nlatent_dim=" << o.latent_dim << "\nencoder_hidden=" << o.encoder_hidden
     << "\ndecoder_hidden=" << o.decoder_hidden << "\nprior_hidden=" << o.prior_hidden
     << "\nencoder_type=" << o.encoder_type << "\ndecoder_type=" << o.decoder_type
     << "\nlearn_diffusion=" << o.learn_diffusion << "\nprojections=" << o.projections
     << "\nmin_dist=" << o.min_dist << "\nbias_factor=" << o.bias_factor << "\nmax_centers=" << o.max_centers
     << "\nlag=" << o.lag << "\ntest_fraction=" << o.test_fraction << "\nbatch_size=" << o.batch_size
     << "\nepochs=" << o.epochs << "\nlearning_rate=" << o.learning_rate << "\nbeta=" << o.beta
     << "\nlr_step_size=" << o.lr_step_size << "\nlr_gamma=" << o.lr_gamma
     << "\nwarmup_epochs=" << o.warmup_epochs << "\nwarmup_learning_rate=" << o.warmup_learning_rate << "\nwarmup_beta_factor=" << o.warmup_beta_factor
     << "\nprior_refit_steps=" << o.prior_refit_steps << "\nseed=" << o.seed << "\n";
  return os.str();
}

ModelOptions parse_options(const std::string& path, const std::string& text) {
  ModelOptions o;
  std::istringstream is(text);
  std::string line;
  while (std::getline(is, line)) {
    const size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string k = line.substr(0, eq), v = line.substr(eq + 1);
    try {
      if (k == "model") o.model = v;
      else if (k == "sdevae_nu") o.sdevae_nu = std::stod(v);
      else if (k == "tica_ridge") o.tica_ridge = std::stod(v);
      else if (k == "latent_dim") o.latent_dim = std::stoll(v);
      else if (k == "encoder_hidden") o.encoder_hidden = std::stoll(v);
      else if (k == "decoder_hidden") o.decoder_hidden = std::stoll(v);
      else if (k == "prior_hidden") o.prior_hidden = std::stoll(v);
      else if (k == "encoder_type") o.encoder_type = v;
      else if (k == "decoder_type") o.decoder_type = v;
      else if (k == "learn_diffusion") o.learn_diffusion = v == "1";
      else if (k == "projections") o.projections = std::stoll(v);
      else if (k == "min_dist") o.min_dist = std::stod(v);
      else if (k == "bias_factor") o.bias_factor = std::stod(v);
      else if (k == "max_centers") o.max_centers = std::stoll(v);
      else if (k == "lag") o.lag = std::stoll(v);
      else if (k == "test_fraction") o.test_fraction = std::stod(v);
      else if (k == "batch_size") o.batch_size = std::stoll(v);
      else if (k == "epochs") o.epochs = std::stoll(v);
      else if (k == "learning_rate") o.learning_rate = std::stod(v);
      else if (k == "beta") o.beta = std::stod(v);
      else if (k == "lr_step_size") o.lr_step_size = std::stoll(v);
      else if (k == "lr_gamma") o.lr_gamma = std::stod(v);
      else if (k == "warmup_epochs") o.warmup_epochs = std::stoll(v);
      else if (k == "warmup_learning_rate") o.warmup_learning_rate = std::stod(v);
      else if (k == "warmup_beta_factor") o.warmup_beta_factor = std::stod(v);
      else if (k == "prior_refit_steps") o.prior_refit_steps = std::stoll(v);
      else if (k == "seed") o.seed = std::stoull(v);
    } catch (const std::exception&) {
      throw CheckpointError("'" + path + "': corrupt option '" + k + "' = '" + v + "'");
    }
  }
  return o;
}

torch::Tensor shape_tensor(const std::vector<int64_t>& s) { return torch::tensor(s, torch::kLong); }

std::vector<int64_t> shape_vector(const torch::Tensor& t) {
  return std::vector<int64_t>(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel());
}

}  // namespace

void Model::save(const std::string& path) const {
  const Impl& m = *impl_;
  torch::serialize::OutputArchive ar;
  ar.write("format", c10::IValue(std::string(kFormat)));
  ar.write("options", c10::IValue(options_text(m.options)));
  ar.write("input_shape", shape_tensor(m.input_shape));
  ar.write("target_shape", shape_tensor(m.target_shape));
  ar.write("epochs_trained", c10::IValue(m.epochs_trained));
  ar.write("centers", m.centers.size() ? to_tensor(m.centers, torch::kFloat64) : torch::empty({0, m.options.latent_dim}, torch::kFloat64));
  ar.write("eigenvalues", m.eigenvalues.size() ? to_tensor(m.eigenvalues, torch::kFloat64) : torch::empty({0}, torch::kFloat64));
  torch::serialize::OutputArchive enc, dec, pri;
  m.encoder->save(enc);
  m.decoder->save(dec);
  m.prior->save(pri);
  ar.write("encoder", enc);
  ar.write("decoder", dec);
  ar.write("prior", pri);
  write_atomically(path, [&](const std::string& tmp) {
    try {
      ar.save_to(tmp);
    } catch (const c10::Error& e) {
      throw CheckpointError("'" + path + "': cannot write checkpoint: " + e.what_without_backtrace());
    }
  });
}

Model Model::load(const std::string& path) {
  torch::serialize::InputArchive ar;
  try {
    ar.load_from(path);
  } catch (const c10::Error& e) {
    throw CheckpointError("'" + path + "': not a readable dynae model checkpoint (" +
                          std::string(e.what_without_backtrace()).substr(0, 200) + ")");
  }
  try {
    c10::IValue format, opts, epochs;
    ar.read("format", format);
    const bool v1 = format.isString() && format.toStringRef() == kFormatV1;
    if (!format.isString() || (format.toStringRef() != kFormat && !v1)) {
      throw CheckpointError("'" + path + "': not a dynae model (format tag is missing or differs)");
    }
    ar.read("options", opts);
    ModelOptions o = parse_options(path, opts.toStringRef());
    torch::Tensor in_shape, out_shape, centers;
    ar.read("input_shape", in_shape);
    ar.read("target_shape", out_shape);
    ar.read("centers", centers);
    ar.read("epochs_trained", epochs);
    auto impl = std::make_shared<Impl>(o, shape_vector(in_shape), shape_vector(out_shape));
    torch::serialize::InputArchive enc, dec, pri;
    ar.read("encoder", enc);
    ar.read("decoder", dec);
    ar.read("prior", pri);
    impl->encoder->load(enc);
    impl->decoder->load(dec);
    impl->prior->load(pri);
    impl->centers = centers.numel() ? to_array(centers) : Array();
    if (!v1) {
      torch::Tensor eig;
      ar.read("eigenvalues", eig);
      impl->eigenvalues = eig.numel() ? to_array(eig) : Array();
    }
    impl->epochs_trained = epochs.toInt();
    impl->train(false);
    return Model(impl);
  } catch (const CheckpointError&) {
    throw;
  } catch (const c10::Error& e) {
    throw CheckpointError("'" + path + "': incomplete or corrupt dynae checkpoint (" +
                          std::string(e.what_without_backtrace()).substr(0, 200) + ")");
  } catch (const Error& e) {
    throw CheckpointError("'" + path + "': " + e.what());
  } catch (const std::exception& e) {  // e.g. torch::jit errors on foreign archives
    std::string what = e.what();
    throw CheckpointError("'" + path + "': not a dynae model checkpoint (" +
                          what.substr(0, std::min<size_t>(what.find('\n'), 200)) + ")");
  }
}

}  // namespace dynae
