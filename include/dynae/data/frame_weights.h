#pragma once
// Per-frame statistical weights of biased simulations (umbrella sampling,
// static biases, metadynamics / OPES reweighting factors): how they are
// given, read and turned into weights of mean 1.
#include <string>
#include <vector>

namespace dynae {

/// What the given numbers are: the weights themselves; their logarithms;
/// or a bias potential V in energy units, weight exp(V / kT) (the
/// reweighting of a static bias, or of metadynamics' c(t)-corrected bias).
enum class WeightKind { Weights, LogWeights, Bias };

/// "weights", "logweights" or "bias" (any case); ConfigError otherwise.
WeightKind parse_weight_kind(const std::string& text);
const char* weight_kind_name(WeightKind kind);

/// Where the weights come from: one file per input (`files`: .npy of T
/// values, a text column of numbers, or a COLVAR / CSV / TSV whose
/// `column`, or only non-time column, holds them) or, without files, the
/// inputs' own `column`.
struct WeightSpec {
  std::vector<std::string> files;
  std::string column;
  WeightKind kind = WeightKind::Weights;
  double kT = 0;  ///< energy units of the bias; required (> 0) for WeightKind::Bias only
  bool given() const { return !files.empty() || !column.empty(); }
  /// ConfigError: files not one per input (`inputs`), bias without kT > 0,
  /// kT given for another kind, a kind or kT given without any weights.
  void validate(size_t inputs) const;
};

/// The values of a weights file: every frame of every COLVAR block, in file
/// order. DataError names the file and line or column.
std::vector<double> read_weight_file(const std::string& path, const std::string& column);

/// Weights of mean 1 over all frames from the raw values of each source
/// (`raw[i]` from `names[i]`, a file or trajectory): logweights and biases
/// are exponentiated after subtracting their largest value, so nothing
/// overflows. DataError naming the source and frame for a negative weight
/// (Weights) or a non-finite value, and when every weight is 0.
std::vector<double> normalised_weights(const std::vector<std::vector<double>>& raw,
                                       const std::vector<std::string>& names, WeightKind kind, double kT);

/// Kish's effective sample size (sum w)^2 / sum w^2: how many equally
/// weighted frames the weighted ones are worth.
double effective_sample_size(const std::vector<double>& weights);

}  // namespace dynae
