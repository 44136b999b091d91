#pragma once
// Per-epoch well-tempered resampling of the training pairs (METHOD.md,
// "Training schedule"): regular-space clustering of the latent, every pair's
// nearest centre, then batches in which cluster k is represented in
// proportion to n_k^(1/bias_factor).
//
// Its memory does not grow with the data beyond one byte per pair (the
// labels) and tables of K / 64 bytes per pair: the latent is computed in
// groups of 512 pairs and not kept beyond a fixed 2 MB, and a batch's pairs
// are looked up when it is trained on, from a random permutation and a rank
// table, not listed. (Data-parallel ranks that share the work keep the
// latents of their own groups until they are labelled: 4 d / ranks bytes
// per pair.)
// Torch-free: the encoder is a callback.
#include <cstdint>
#include <functional>
#include <vector>

#include "dynae/data/lagged_pairs.h"
#include "training/weighted_draws.h"
#include "util/random_permutation.h"

namespace dynae {

struct ResamplingOptions {
  double d_min = 5.0;
  int64_t max_centers = 200;  ///< at most 255 (labels are bytes)
  double bias_factor = 2.0;
  int64_t batch_size = 256;
  /// Latent values kept from the clustering pass to relabel from (2 MB);
  /// groups past them are encoded again when they need relabelling.
  int64_t cached_latents = int64_t{1} << 19;
};

/// z (n, d) = the latents of the first frames (x_t) of pairs[0..n), n <= 512.
/// Called twice on the same pairs, it must give the same floats.
using EncodePairs = std::function<void(const int64_t* pairs, int64_t n, float* z)>;

/// Ranks of a data-parallel training share the resampling's work: `gather`
/// is an allgather over them (`mine`: this rank's `bytes`; `all`: every
/// rank's, in rank order, `size` x `bytes`).
struct SharedResampling {
  int64_t rank = 0, size = 1;
  std::function<void(const void* mine, void* all, int64_t bytes)> gather;
};

/// Well-tempered weights w_k = n_k^(1/bias_factor) of the clusters'
/// populations n_k (pair counts, or weighted pair counts); ConfigError for
/// bias_factor < 1.
std::vector<double> well_tempered_weights(const std::vector<double>& populations, double bias_factor);

/// How the selection draws from one cluster of n_k pairs, with target
/// S_k = (floor(N w_k / sum(w) / B) + 1) B: `repeats` permutations of its
/// pairs, each cut to `length` (a multiple of B). n_k > S_k: one, cut to
/// S_k (drawn without replacement); B < n_k <= S_k: floor(S_k / n_k), cut to
/// floor(n_k / B) B; n_k <= B: none.
struct ClusterDraw {
  int64_t target = 0, repeats = 0, length = 0;
};
std::vector<ClusterDraw> well_tempered_draws(const std::vector<int64_t>& counts, const std::vector<double>& weights,
                                             int64_t batch_size);

class Resampler {
 public:
  /// ConfigError for d_min <= 0, max_centers outside [1, 255], bias_factor < 1
  /// or batch_size < 1.
  Resampler(const PairIndex& pairs, int64_t latent_dim, ResamplingOptions options);

  /// One epoch's resampling with the current encoder: the training pairs'
  /// latents visited in random order (blocks of 64 pairs in random order,
  /// 8 blocks at a time, the 512 pairs in random order) make the centres
  /// (a point farther than d_min from every centre becomes one; TrainingError
  /// past max_centers, "increase d_min"); every pair, train and test, gets its
  /// nearest centre (the first of equal distances); the batches of both sets
  /// are drawn. TrainingError when the training clusters with more than one
  /// batch of pairs hold less than 80 % of them ("too few samples per bin").
  void resample(const EncodePairs& encode, uint64_t seed);
  /// Only the clustering of the training pairs (the final model's centres).
  void cluster(const EncodePairs& encode, uint64_t seed);
  /// Weighted pairs (biased simulations): `weights` (one per pair, >= 0;
  /// nullptr: every pair weighs 1) must outlive the resampler. Then a
  /// cluster's population is the sum of its pairs' weights (in pair units,
  /// N_train W_k / W), its batches number as without weights for that
  /// population (clusters of at most one batch of pairs, or of weight 0, get
  /// none), and a batch draws its pairs from its cluster with replacement,
  /// in proportion to weight (training/weighted_draws.h).
  void set_pair_weights(const std::vector<double>* weights) { pair_weights_ = weights; }
  /// Data-parallel ranks: each encodes 1/size of the pairs' groups and
  /// labels them, and the ranks exchange latents and labels (an allgather
  /// per 64 groups of latents, one of labels). Every rank ends with the
  /// centres and labels that one process finds, bit for bit.
  void share_with_ranks(SharedResampling ranks) { ranks_share_ = std::move(ranks); }
  /// Population of each training cluster after resample: its pair count, or
  /// its weight in pair units when weighted.
  std::vector<double> populations() const;
  /// Frees the labels, tables and kept latents (after the last epoch); the
  /// centres stay.
  void release();

  int64_t clusters() const { return static_cast<int64_t>(centers_.size()) / dim_; }
  /// The centres (K, d), row-major.
  const std::vector<double>& centers() const { return centers_; }
  /// Nearest centre of pair q (after resample).
  int label(int64_t q) const { return labels_[static_cast<size_t>(q)]; }
  /// Pairs of set s per cluster.
  const std::vector<int64_t>& counts(PairSet s) const { return plan(s).counts; }
  /// Batches of set s this epoch, and batch b's pairs (batch_size of them,
  /// all of one cluster).
  int64_t batches(PairSet s) const { return static_cast<int64_t>(plan(s).batches.size()); }
  void batch(PairSet s, int64_t b, int64_t* pairs) const { batch(s, b, pairs, 0, options_.batch_size); }
  /// Only pairs[from, to) of that batch (a data-parallel rank's shard).
  void batch(PairSet s, int64_t b, int64_t* pairs, int64_t from, int64_t to) const;

 private:
  struct BatchRef {
    int32_t cluster, repeat;
    int64_t start;  ///< position in that repeat's permutation
  };
  struct Plan {
    std::vector<int64_t> counts;
    std::vector<BatchRef> batches;
    int64_t block = 256;          ///< pairs per block of the rank table
    std::vector<int64_t> super;   ///< per cluster: members before each 65536 pairs (and the total)
    std::vector<uint16_t> local;  ///< per cluster: members before each block, from its 65536
    WeightedDraws draws;          ///< weighted mode: each cluster's pairs and weights
  };
  struct GroupMeta {
    int64_t centers = 0;  ///< centres when the group was labelled
    double max_r2 = 0;    ///< largest squared distance to a label's centre
  };

  const Plan& plan(PairSet s) const { return s == PairSet::test ? test_ : train_; }
  /// Pairs of group g into group_ (blocks order(8g ..)).
  void collect_group(int64_t g);
  /// One regular-space clustering of the training pairs' latents (blocks
  /// in random order); with `label`, each pair's nearest centre too.
  void cluster_pass(const EncodePairs& encode, uint64_t seed, bool label);
  /// The same pass with the groups' encoding and labelling shared between ranks.
  void shared_cluster_pass(const EncodePairs& encode, uint64_t seed, bool label);
  /// New centres among the m pairs of group_ (their latents at `latents`).
  void add_centers(const float* latents, int64_t m, SplitMix64& rng);
  /// Labels group g's m pairs with their nearest centre so far; its box.
  void label_group(int64_t g, int64_t m);
  /// Relabels the groups a later centre may be nearer to (exact test on boxes).
  void relabel_stale_groups(const EncodePairs& encode, int64_t groups, int64_t cached);
  double squared_distance(const float* point, const double* center) const;
  /// Nearest of centres [0, k) of the point (the first of equal distances).
  int nearest_center(const float* point, int64_t k, double& best) const;
  void make_plan(PairSet s, Plan& p, const std::vector<double>& weights, uint64_t seed);
  /// Weighted mode: the set's pairs grouped by cluster, with their weights.
  WeightedDraws weighted_groups(PairSet s, const Plan& p) const;
  void make_weighted_plan(Plan& p, const std::vector<double>& weights, uint64_t seed);

  static constexpr int64_t kMaxCenters = 255;  ///< (labels are bytes; 255 marks none)

  const PairIndex& pairs_;
  const std::vector<double>* pair_weights_ = nullptr;
  SharedResampling ranks_share_;
  int64_t dim_;
  ResamplingOptions options_;
  std::vector<double> centers_;
  std::vector<uint8_t> labels_;  ///< padded to a multiple of 64 with 255
  Plan train_, test_;
  uint64_t batch_key_ = 0;
  // Pass state
  RandomPermutation block_order_;
  std::vector<int64_t> group_;
  std::vector<float> latents_, cache_;  ///< the group being clustered; the first groups' latents kept
  std::vector<int32_t> visit_;           ///< the group's training pairs, in visiting order
  std::vector<float> boxes_;  ///< per group: lower then upper corner of its latents
  std::vector<GroupMeta> meta_;
  mutable std::vector<int64_t> ranks_, sort_scratch_, block_before_;  ///< batch(): the members' ranks, sorted
  mutable std::vector<int32_t> sort_counts_;
};

}  // namespace dynae
