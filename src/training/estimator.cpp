#include "dynae/training/estimator.h"

#include "dynae/models/model_kind.h"
#include "training/trainer.h"

namespace dynae {

Estimator::Estimator(ModelOptions options) : options_(std::move(options)) { options_.validate(); }

Model Estimator::fit(const TrajectorySet& data, TrainingObserver* observer) const {
  history_.clear();
  const ModelKind& kind = model_kind(options_.model);
  if (kind.closed_form()) return kind.fit_closed_form(options_, data);
  return train_model(options_, data, observer, history_, nullptr, "", parallel_);
}

Model Estimator::resume(const TrajectorySet& data, const std::string& state, TrainingObserver* observer) const {
  history_.clear();
  const ModelKind& kind = model_kind(options_.model);
  if (kind.closed_form()) return kind.fit_closed_form(options_, data);
  return train_model(options_, data, observer, history_, nullptr, state, parallel_);
}

}  // namespace dynae
