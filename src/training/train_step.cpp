#include "training/train_step.h"

namespace dynae {

std::unique_ptr<TrainStep> make_train_step(const StepContext& context) {
  if (auto fused = make_fused_step(context)) return fused;
  return make_autograd_step(context);
}

}  // namespace dynae
