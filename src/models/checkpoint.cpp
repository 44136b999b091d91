// Model::save / load: a LibTorch archive holding a format tag, the
// options as name=value text (every checkpointed option of model_options.def),
// frame shapes, cluster centres, the weights of each network and a CRC-32 of
// all of it; framed by a header with the archive's own CRC-32, checked before
// the archive is parsed. Serialised in memory, then written to a temporary
// file and renamed (dynae/atomic_file.h), so a failed write is a clean error.
#include <sys/stat.h>

#include <boost/crc.hpp>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "data/tensor_convert.h"
#include "dynae/errors.h"
#include "models/latent_diffusion.h"
#include "models/model_impl.h"
#include "dynae/atomic_file.h"
#include "util/framed_bytes.h"

namespace dynae {
namespace {

// v2 added the model name (baselines) and TICA's eigenvalues; v1 files are
// DynAE models and still load.
const char kFormat[] = "dynae-model-v2";
const char kFormatV1[] = "dynae-dynae-model-v1";

/// The checkpointed options (model_options.def) as name=value lines.
std::string options_text(const ModelOptions& options) {
  // Options added later (omit_at_default) are left out while they hold their
  // default, so that a model that does not use them is written as before.
  const ModelOptions defaults;
  std::string text;
  for (const auto& option : model_option_table()) {
    if (!option.info.in_checkpoint) continue;
    const std::string value = option.get(options);
    if (option.info.omit_at_default && value == option.get(defaults)) continue;
    text += option.info.name + "=" + value + "\n";
  }
  return text;
}

/// Reads options_text back; names it does not know (from a later version)
/// are ignored, and options missing (from an earlier one) keep their defaults.
ModelOptions parse_options(const std::string& path, const std::string& text) {
  ModelOptions options;
  std::istringstream is(text);
  std::string line;
  while (std::getline(is, line)) {
    const size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string name = line.substr(0, eq), value = line.substr(eq + 1);
    for (const auto& option : model_option_table()) {
      if (option.info.name != name) continue;
      try {
        option.set(options, value);
      } catch (const Error&) {
        throw CheckpointError("'" + path + "': corrupt option '" + name + "' = '" + value + "'");
      }
    }
  }
  return options;
}

torch::Tensor shape_tensor(const std::vector<int64_t>& s) { return torch::tensor(s, torch::kLong); }

/// The names and sizes of a module's parameters and buffers.
std::vector<std::pair<std::string, std::vector<int64_t>>> layout(const torch::nn::Module& m) {
  std::vector<std::pair<std::string, std::vector<int64_t>>> out;
  for (const auto& p : m.named_parameters(true)) out.emplace_back(p.key(), p.value().sizes().vec());
  for (const auto& b : m.named_buffers(true)) out.emplace_back("buffer " + b.key(), b.value().sizes().vec());
  return out;
}

/// After loading: every tensor backed, of the layout the options build.
void check_loaded(const std::string& path, const char* what, const torch::nn::Module& m,
                  const std::vector<std::pair<std::string, std::vector<int64_t>>>& expected) {
  if (layout(m) != expected) {
    throw CheckpointError("'" + path + "': the " + what + "'s weights do not have the shapes its options give (a damaged file)");
  }
  for (const auto& p : m.named_parameters(true)) {
    if (!is_backed(p.value()) || p.value().scalar_type() != torch::kFloat32) {
      throw CheckpointError("'" + path + "': the " + what + "'s weight " + p.key() + " is damaged");
    }
  }
  for (const auto& b : m.named_buffers(true)) {
    if (!is_backed(b.value())) throw CheckpointError("'" + path + "': the " + what + "'s buffer " + b.key() + " is damaged");
  }
}

std::vector<int64_t> shape_vector(const torch::Tensor& t) {
  if (!is_backed(t) || t.scalar_type() != torch::kLong || t.dim() != 1 || t.numel() > 8) {
    throw CheckpointError("a frame shape is damaged");
  }
  std::vector<int64_t> shape(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel());
  int64_t product = 1;
  for (int64_t k : shape) {
    if (k < 1 || k > (int64_t{1} << 31) || __builtin_mul_overflow(product, k, &product) || product > (int64_t{1} << 31)) {
      throw CheckpointError("a frame shape is damaged");
    }
  }
  return shape;
}

void add_bytes(boost::crc_32_type& crc, const std::string& s) {
  const uint64_t n = s.size();
  crc.process_bytes(&n, sizeof n);
  if (n > 0) crc.process_bytes(s.data(), s.size());
}

void add_tensor(boost::crc_32_type& crc, const torch::Tensor& t) {
  const torch::Tensor c = t.detach().contiguous();
  add_bytes(crc, std::string(c.scalar_type() == torch::kFloat32 ? "f4" : c.scalar_type() == torch::kFloat64 ? "f8" : "?"));
  for (int64_t k : c.sizes()) crc.process_bytes(&k, sizeof k);
  if (c.numel() > 0) crc.process_bytes(c.data_ptr(), c.numel() * c.element_size());
}

void add_module(boost::crc_32_type& crc, const torch::nn::Module& m) {
  for (const auto& p : m.named_parameters(true)) {
    add_bytes(crc, p.key());
    add_tensor(crc, p.value());
  }
  for (const auto& b : m.named_buffers(true)) {
    add_bytes(crc, b.key());
    add_tensor(crc, b.value());
  }
}

void add_array(boost::crc_32_type& crc, const Array& a) {
  for (int64_t k : a.shape) crc.process_bytes(&k, sizeof k);
  if (!a.data.empty()) crc.process_bytes(a.data.data(), a.data.size() * sizeof(double));
}

/// The quality figure as numbers: lag, timescale, second, chosen start, then
/// each start's timescale.
std::vector<double> quality_values(const TrainingQuality& q) {
  std::vector<double> v = {static_cast<double>(q.lag), q.timescale, q.second, static_cast<double>(q.chosen_start)};
  v.insert(v.end(), q.start_timescales.begin(), q.start_timescales.end());
  return v;
}

/// Reads quality_values back; CheckpointError when they make no sense.
TrainingQuality quality_from(const std::vector<double>& v) {
  TrainingQuality q;
  bool ok = v.size() >= 4;
  for (double x : v) ok = ok && std::isfinite(x) && x >= 0;
  if (ok) {
    q.lag = static_cast<int64_t>(v[0]);
    q.timescale = v[1];
    q.second = v[2];
    q.chosen_start = static_cast<int64_t>(v[3]);
    q.start_timescales.assign(v.begin() + 4, v.end());
    ok = q.lag >= 1 && static_cast<double>(q.lag) == v[0] &&
         (q.start_timescales.empty() ? q.chosen_start == 0
                                     : q.chosen_start < static_cast<int64_t>(q.start_timescales.size()));
  }
  if (!ok) throw CheckpointError("its quality figure is damaged");
  return q;
}

/// The identifiability diagnosis as numbers: substeps, d, then lambda,
/// kappa, the directions (row-major), the diffusion (NaN: not measured) and
/// the two halves' kappa, d (or d^2) values each; kappa may be infinite.
std::vector<double> identifiability_values(const Identifiability& id) {
  const size_t d = id.kappa.size();
  std::vector<double> v = {static_cast<double>(id.substeps), static_cast<double>(d)};
  auto add = [&](const std::vector<double>& x) {
    for (size_t i = 0; i < d; ++i) v.push_back(i < x.size() ? x[i] : NAN);
  };
  add(id.lambda);
  add(id.kappa);
  v.insert(v.end(), id.directions.data.begin(), id.directions.data.end());
  add(id.diffusion);
  add(id.kappa_first_half);
  add(id.kappa_second_half);
  return v;
}

Identifiability identifiability_from(const std::vector<double>& v) {
  Identifiability id;
  const bool sized = v.size() >= 2 && v[0] >= 1 && v[1] >= 1 && v[1] <= 1024 && v[0] == std::floor(v[0]) &&
                     v[1] == std::floor(v[1]);
  const size_t d = sized ? static_cast<size_t>(v[1]) : 0;
  if (!sized || v.size() != 2 + 5 * d + d * d) throw CheckpointError("its identifiability diagnosis is damaged");
  id.substeps = static_cast<int64_t>(v[0]);
  size_t at = 2;
  auto take = [&](size_t n) {
    std::vector<double> x(v.begin() + static_cast<std::ptrdiff_t>(at), v.begin() + static_cast<std::ptrdiff_t>(at + n));
    at += n;
    return x;
  };
  id.lambda = take(d);
  id.kappa = take(d);
  id.directions = Array({static_cast<int64_t>(d), static_cast<int64_t>(d)}, Values(take(d * d)));
  id.diffusion = take(d);
  if (std::isnan(id.diffusion[0])) id.diffusion.clear();
  id.kappa_first_half = take(d);
  id.kappa_second_half = take(d);
  return id;
}

/// CRC-32 of everything a checkpoint holds, computed the same way from the
/// model being saved and from the model just loaded. `options` is the options
/// block as the file holds it (a later version knows more options: their
/// defaults must not change an older file's sum).
int64_t content_checksum(const Model::Impl& m, const std::string& options) {
  boost::crc_32_type crc;
  add_bytes(crc, options);
  for (const auto* shape : {&m.input_shape, &m.target_shape}) {
    for (int64_t k : *shape) crc.process_bytes(&k, sizeof k);
    add_bytes(crc, "|");
  }
  crc.process_bytes(&m.epochs_trained, sizeof m.epochs_trained);
  add_array(crc, m.centers);
  add_array(crc, m.eigenvalues);
  add_array(crc, m.latent_diffusion);  // nothing for an empty one: older checkpoints keep their sums
  if (m.quality.measured()) {  // (likewise: absent in older checkpoints)
    const std::vector<double> q = quality_values(m.quality);
    crc.process_bytes(q.data(), q.size() * sizeof(double));
  }
  if (m.identifiability.measured()) {  // (absent in older checkpoints)
    const std::vector<double> v = identifiability_values(m.identifiability);
    crc.process_bytes(v.data(), v.size() * sizeof(double));
  }
  for (const auto& n : m.feature_names) add_bytes(crc, n);
  for (const FeatureScaling* s : {&m.input_scaling, &m.target_scaling}) {
    if (!s->empty()) crc.process_bytes(s->shift.data(), s->shift.size() * sizeof(double));
    if (!s->empty()) crc.process_bytes(s->scale.data(), s->scale.size() * sizeof(double));
  }
  add_module(crc, *m.encoder);
  add_module(crc, *m.decoder);
  add_module(crc, *m.prior);
  if (m.transformations) add_module(crc, *m.transformations);  // STA only: other kinds keep their sums
  return static_cast<int64_t>(crc.checksum());
}

}  // namespace

std::string Model::to_bytes() const {
  const Impl& m = *impl_;
  torch::serialize::OutputArchive ar;
  ar.write("format", c10::IValue(std::string(kFormat)));
  ar.write("options", c10::IValue(options_text(m.options)));
  ar.write("input_shape", shape_tensor(m.input_shape));
  ar.write("target_shape", shape_tensor(m.target_shape));
  ar.write("epochs_trained", c10::IValue(m.epochs_trained));
  ar.write("centers", m.centers.size() ? to_tensor(m.centers, torch::kFloat64) : torch::empty({0, m.options.latent_dim}, torch::kFloat64));
  ar.write("eigenvalues", m.eigenvalues.size() ? to_tensor(m.eigenvalues, torch::kFloat64) : torch::empty({0}, torch::kFloat64));
  if (m.latent_diffusion.size()) ar.write("latent_diffusion", to_tensor(m.latent_diffusion, torch::kFloat64));
  if (m.quality.measured()) ar.write("quality", torch::tensor(quality_values(m.quality), torch::kFloat64));
  if (m.identifiability.measured()) {
    ar.write("identifiability", torch::tensor(identifiability_values(m.identifiability), torch::kFloat64));
  }
  torch::serialize::OutputArchive enc, dec, pri;
  m.encoder->save(enc);
  m.decoder->save(dec);
  m.prior->save(pri);
  ar.write("encoder", enc);
  ar.write("decoder", dec);
  if (!m.feature_names.empty()) {
    std::string names;
    for (const auto& n : m.feature_names) names += n + "\n";
    ar.write("feature_names", c10::IValue(names));
  }
  ar.write("prior", pri);
  if (m.transformations) {
    torch::serialize::OutputArchive sta;
    m.transformations->save(sta);
    ar.write("transformations", sta);
  }
  // Option standardize: shift and scale of inputs and targets (absent otherwise).
  const std::pair<const char*, const FeatureScaling*> scalings[] = {{"input", &m.input_scaling},
                                                                     {"target", &m.target_scaling}};
  for (const auto& [name, s] : scalings) {
    if (s->empty()) continue;
    ar.write(std::string(name) + "_shift", torch::tensor(s->shift, torch::kFloat64));
    ar.write(std::string(name) + "_scale", torch::tensor(s->scale, torch::kFloat64));
  }
  ar.write("checksum", c10::IValue(content_checksum(m, options_text(m.options))));
  std::ostringstream bytes;
  try {
    ar.save_to(bytes);
  } catch (const c10::Error& e) {
    throw CheckpointError(std::string("cannot serialise the model: ") + e.what_without_backtrace());
  }
  return frame_bytes(bytes.str());
}

void Model::save(const std::string& path) const {
  const std::string bytes = to_bytes();
  try {
    write_text_atomically(path, bytes);
  } catch (const Error& e) {
    throw CheckpointError(std::string("cannot write the checkpoint: ") + e.what());
  }
}

Model Model::load(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    const bool run = ::stat((path + "/model.pt").c_str(), &st) == 0;
    throw CheckpointError("'" + path + "' is a folder; expected a model file" +
                          (run ? " (this run's model is '" + path + "/model.pt')" : std::string(" (a run's model.pt)")));
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) throw CheckpointError("'" + path + "': cannot open (" + std::strerror(errno) + ")");
  std::ostringstream bytes;
  bytes << f.rdbuf();
  if (!f.good() && !f.eof()) throw CheckpointError("'" + path + "': cannot read");
  return from_bytes(bytes.str(), path);
}

Model Model::from_bytes(const std::string& bytes, const std::string& path) {
  const std::string archive =
      unframe_bytes(bytes, path, /*allow_unframed=*/std::getenv("DYNAE_UNVERIFIED_CHECKPOINTS") != nullptr);
  torch::serialize::InputArchive ar;
  try {
    std::istringstream in(archive);
    ar.load_from(in);
  } catch (const c10::Error& e) {
    throw CheckpointError("'" + path + "': not a readable dynae model checkpoint (" +
                          std::string(e.what_without_backtrace()).substr(0, 200) + ")");
  } catch (const std::exception& e) {  // TorchScript's parser on a damaged archive
    const std::string what = e.what();
    throw CheckpointError("'" + path + "': not a readable dynae model checkpoint (" +
                          what.substr(0, std::min<size_t>(what.find('\n'), 200)) + ")");
  }
  try {
    c10::IValue format, opts, epochs;
    ar.read("format", format);
    const bool v1 = format.isString() && format.toStringRef() == kFormatV1;
    if (!format.isString() || (format.toStringRef() != kFormat && !v1)) {
      throw CheckpointError("'" + path + "': not a dynae model (format tag is missing or differs)");
    }
    ar.read("options", opts);
    const ModelOptions options = parse_options(path, opts.toStringRef());
    torch::Tensor in_shape, out_shape, centers;
    ar.read("input_shape", in_shape);
    ar.read("target_shape", out_shape);
    ar.read("centers", centers);
    ar.read("epochs_trained", epochs);
    try {
      options.validate();
    } catch (const ConfigError& e) {
      throw CheckpointError(std::string("its options are damaged: ") + e.what());
    }
    auto impl = std::make_shared<Impl>(options, shape_vector(in_shape), shape_vector(out_shape));
    const auto enc_layout = layout(*impl->encoder), dec_layout = layout(*impl->decoder), pri_layout = layout(*impl->prior);
    torch::serialize::InputArchive enc, dec, pri;
    ar.read("encoder", enc);
    ar.read("decoder", dec);
    ar.read("prior", pri);
    impl->encoder->load(enc);
    impl->decoder->load(dec);
    impl->prior->load(pri);
    check_loaded(path, "encoder", *impl->encoder, enc_layout);
    check_loaded(path, "decoder", *impl->decoder, dec_layout);
    check_loaded(path, "prior", *impl->prior, pri_layout);
    if (impl->transformations) {
      const auto sta_layout = layout(*impl->transformations);
      torch::serialize::InputArchive sta;
      if (!ar.try_read("transformations", sta)) {
        throw CheckpointError("its STA flow fields and speed net are missing (the 'transformations' block)");
      }
      impl->transformations->load(sta);
      check_loaded(path, "transformations", *impl->transformations, sta_layout);
    }
    if (!is_backed(centers) || (centers.numel() && centers.dim() != 2)) throw CheckpointError("its cluster centres are damaged");
    impl->centers = centers.numel() ? to_array(centers) : Array();
    if (!v1) {
      torch::Tensor eig;
      ar.read("eigenvalues", eig);
      if (!is_backed(eig) || (eig.numel() && eig.dim() != 1)) throw CheckpointError("its eigenvalues are damaged");
      impl->eigenvalues = eig.numel() ? to_array(eig) : Array();
    }
    impl->epochs_trained = epochs.toInt();
    torch::Tensor diffusion;
    if (ar.try_read("latent_diffusion", diffusion)) {
      const int64_t d = impl->options.latent_dim;
      if (!is_backed(diffusion) || diffusion.scalar_type() != torch::kFloat64 || diffusion.dim() != 2 ||
          diffusion.size(0) != d || diffusion.size(1) != d) {
        throw CheckpointError("its latent diffusion matrix is damaged (expected float64 (" + std::to_string(d) + ", " +
                              std::to_string(d) + "))");
      }
      impl->latent_diffusion = to_array(diffusion);
      if (!valid_latent_diffusion(impl->latent_diffusion)) {
        throw CheckpointError("its latent diffusion matrix is not symmetric positive definite (to 1e-6)");
      }
    }
    torch::Tensor quality;
    if (ar.try_read("quality", quality)) {
      if (!is_backed(quality) || quality.scalar_type() != torch::kFloat64 || quality.dim() != 1) {
        throw CheckpointError("its quality figure is damaged");
      }
      const torch::Tensor c = quality.contiguous();
      impl->quality = quality_from(std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel()));
    }
    torch::Tensor identifiability;
    if (ar.try_read("identifiability", identifiability)) {
      if (!is_backed(identifiability) || identifiability.scalar_type() != torch::kFloat64 || identifiability.dim() != 1) {
        throw CheckpointError("its identifiability diagnosis is damaged");
      }
      const torch::Tensor c = identifiability.contiguous();
      impl->identifiability =
          identifiability_from(std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel()));
    }
    c10::IValue names;
    if (ar.try_read("feature_names", names) && names.isString()) {
      const std::string& text = names.toStringRef();
      for (size_t b = 0, e; b < text.size(); b = e + 1) {
        e = text.find('\n', b);
        if (e == std::string::npos) e = text.size();
        impl->feature_names.push_back(text.substr(b, e - b));
      }
    }
    const std::pair<const char*, FeatureScaling*> scalings[] = {{"input", &impl->input_scaling},
                                                                {"target", &impl->target_scaling}};
    for (const auto& [name, s] : scalings) {
      torch::Tensor shift, scale;
      if (!ar.try_read(std::string(name) + "_shift", shift)) continue;
      ar.read(std::string(name) + "_scale", scale);
      if (!is_backed(shift) || !is_backed(scale) || shift.dim() != 1 || scale.dim() != 1 ||
          shift.scalar_type() != torch::kFloat64 || scale.scalar_type() != torch::kFloat64) {
        throw CheckpointError(std::string("its ") + name + " standardisation is damaged");
      }
      s->shift.assign(shift.data_ptr<double>(), shift.data_ptr<double>() + shift.numel());
      s->scale.assign(scale.data_ptr<double>(), scale.data_ptr<double>() + scale.numel());
      try {
        s->check(shape_product(std::string(name) == "input" ? impl->input_shape : impl->target_shape), name);
      } catch (const Error& e) {
        throw CheckpointError(std::string("its standardisation is damaged: ") + e.what());
      }
    }
    c10::IValue checksum;
    if (ar.try_read("checksum", checksum) &&
        (!checksum.isInt() || checksum.toInt() != content_checksum(*impl, opts.toStringRef()))) {
      throw CheckpointError("'" + path + "': the checkpoint's contents do not match its checksum (a damaged file)");
    }
    if (!impl->weights_finite()) {
      throw CheckpointError("'" + path + "': the checkpoint holds non-finite weights (NaN or Inf); it cannot encode");
    }
    impl->train(false);
    return Model(impl);
  } catch (const CheckpointError& e) {
    const std::string m = e.what();
    if (m.rfind("'" + path + "'", 0) == 0) throw;
    throw CheckpointError("'" + path + "': " + m);
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
