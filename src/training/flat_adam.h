#pragma once
// Adam over a group of parameter buffers with one flat gradient buffer: the
// update of torch::optim::Adam (no weight decay, no AMSGrad) in one loop, in
// place of ~10 LibTorch ops per parameter tensor. Used by the fused training
// path; tested against torch::optim::Adam. Torch-free.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace dynae {

class ThreadTeam;

class FlatAdam {
 public:
  /// A parameter buffer the optimizer updates in place (owned elsewhere).
  struct Segment {
    float* data;
    int64_t size;
  };

  FlatAdam(std::vector<Segment> parameters, double learning_rate, double beta1 = 0.9, double beta2 = 0.999,
           double eps = 1e-8);

  /// The gradient of segment i (its size), inside the flat gradient buffer.
  float* grad(size_t segment) { return grad_.data() + offsets_.at(segment); }
  void zero_grad();
  /// The whole flat gradient buffer (every segment's, in order).
  float* gradient() { return grad_.data(); }
  int64_t size() const { return static_cast<int64_t>(grad_.size()); }
  /// One Adam update of every segment from the flat gradient.
  void step();
  /// Splits the update between `team`'s members (element-wise: the same
  /// bits for any team size); nullptr: the calling thread alone.
  void set_team(ThreadTeam* team) { team_ = team; }
  void set_learning_rate(double lr) { lr_ = lr; }
  double learning_rate() const { return lr_; }
  /// Forgets the moments and the step count (as a newly created optimizer).
  void reset();

  /// What a resumed training needs to continue identically.
  struct State {
    std::vector<float> m, v;  ///< first and second moments, flat
    int64_t steps = 0;
    double learning_rate = 0;
  };
  State state() const { return {m_, v_, steps_, lr_}; }
  /// Throws Error when the moments' sizes differ from this optimizer's.
  void set_state(const State& s);

 private:
  std::vector<Segment> params_;
  std::vector<int64_t> offsets_;
  std::vector<float> grad_, m_, v_;
  double lr_, beta1_, beta2_, eps_;
  int64_t steps_ = 0;
  ThreadTeam* team_ = nullptr;
};

}  // namespace dynae
