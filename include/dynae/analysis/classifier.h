#pragma once
// How well a representation separates labelled frames: logistic regression
// (optionally on quadratic features) fitted on some frames, scored on others.
#include <cstdint>
#include <vector>

#include "dynae/array.h"

namespace dynae {

struct LogisticModel {
  bool quadratic = false;        ///< features z_i and z_i z_j (i <= j), not only z_i
  std::vector<double> mean, scale;  ///< standardisation of the features (from the training frames)
  std::vector<double> weights;   ///< bias first, then one per feature
  int64_t iterations = 0;
  /// P(label = 1) of each frame of z (T, d).
  std::vector<double> probability(const Array& z) const;
};

/// Fits P(y = 1 | z) = sigmoid(w . phi(z)) by Newton's method (iteratively
/// reweighted least squares) with an L2 penalty `ridge` on the non-bias
/// weights, which keeps separable data finite. Throws DataError for
/// mismatched lengths, non-finite values or a single class.
LogisticModel fit_logistic(const Array& z, const std::vector<int>& labels, bool quadratic = false,
                           double ridge = 1e-6);

/// Fraction of frames whose predicted class (probability > 0.5) is their label.
double classification_accuracy(const LogisticModel& model, const Array& z, const std::vector<int>& labels);

}  // namespace dynae
