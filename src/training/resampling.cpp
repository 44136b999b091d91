#include "training/resampling.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <string>

#include "cpu/byte_words.h"
#include "cpu/vector_math.h"
#include "dynae/errors.h"

namespace dynae {
namespace {

constexpr int64_t kBlock = 64;          // pairs per visiting block
constexpr int64_t kGroupBlocks = 8;       // blocks encoded together (512 pairs)
constexpr int64_t kSuper = 65536;        // pairs per superblock of the rank tables
constexpr uint8_t kNoLabel = 255;

uint64_t batch_key(uint64_t epoch_key, PairSet s, int k, int r) {
  return mix64(epoch_key ^ mix64((static_cast<uint64_t>(s == PairSet::test) << 48) ^
                                 (static_cast<uint64_t>(k) << 24) ^ static_cast<uint64_t>(r)));
}

}  // namespace

std::vector<double> well_tempered_weights(const std::vector<double>& populations, double bias_factor) {
  if (!(bias_factor >= 1.0)) throw ConfigError("bias_factor must be >= 1, got " + std::to_string(bias_factor));
  std::vector<double> w;
  for (double n : populations) w.push_back(std::pow(n, 1.0 / bias_factor));
  return w;
}

std::vector<ClusterDraw> well_tempered_draws(const std::vector<int64_t>& counts, const std::vector<double>& weights,
                                             int64_t batch_size) {
  int64_t n = 0;
  double total_w = 0;
  for (int64_t c : counts) n += c;
  for (double w : weights) total_w += w;
  std::vector<ClusterDraw> d(counts.size());
  for (size_t k = 0; k < counts.size(); ++k) {
    const int64_t nk = counts[k];
    d[k].target = static_cast<int64_t>(std::floor(static_cast<double>(n) * weights[k] / total_w /
                                                  static_cast<double>(batch_size)) + 1) * batch_size;
    if (nk > d[k].target) {
      d[k].repeats = 1;
      d[k].length = d[k].target;
    } else if (nk > batch_size) {
      d[k].repeats = d[k].target / nk;
      d[k].length = nk / batch_size * batch_size;
    }
  }
  return d;
}

Resampler::Resampler(const PairIndex& pairs, int64_t latent_dim, ResamplingOptions options)
    : pairs_(pairs), dim_(latent_dim), options_(options) {
  if (!(options_.d_min > 0.0) || !std::isfinite(options_.d_min)) {
    throw ConfigError("min_dist (d_min) must be a positive number of latent units, got " + std::to_string(options_.d_min));
  }
  if (options_.max_centers < 1 || options_.max_centers > kMaxCenters) {
    throw ConfigError("max_centers must be in [1, " + std::to_string(kMaxCenters) + "], got " +
                      std::to_string(options_.max_centers));
  }
  if (!(options_.bias_factor >= 1.0)) throw ConfigError("bias_factor must be >= 1, got " + std::to_string(options_.bias_factor));
  if (options_.batch_size < 1) throw ConfigError("batch_size must be >= 1");
  if (latent_dim < 1) throw ConfigError("latent dimension must be >= 1");
}

void Resampler::collect_group(int64_t g) {
  group_.clear();
  const int64_t blocks = static_cast<int64_t>(block_order_.size());
  for (int64_t j = g * kGroupBlocks; j < std::min(blocks, (g + 1) * kGroupBlocks); ++j) {
    const int64_t b = static_cast<int64_t>(block_order_(static_cast<uint64_t>(j)));
    for (int64_t q = b * kBlock; q < std::min(pairs_.size(), (b + 1) * kBlock); ++q) group_.push_back(q);
  }
}

double Resampler::squared_distance(const float* point, const double* center) const {
  if (dim_ == 2) {  // the usual latent: unrolled, the same sums as below
    const double e0 = static_cast<double>(point[0]) - center[0], e1 = static_cast<double>(point[1]) - center[1];
    return e0 * e0 + e1 * e1;
  }
  double s = 0;
  for (int64_t m = 0; m < dim_; ++m) {
    const double e = static_cast<double>(point[m]) - center[m];
    s += e * e;
  }
  return s;
}

int Resampler::nearest_center(const float* point, int64_t k, double& best) const {
  // Every distance first, then the first smallest (a strict scan's choice
  // without a branch per centre). The usual 2-D latent gets its own loop
  // (squared_distance's 2-D sum), which the compiler vectorises: calling
  // squared_distance, whose dimension test stays in the loop, measured
  // resampling 1.5x slower.
  if (k < 1) {
    best = std::numeric_limits<double>::infinity();
    return 0;
  }
  double s[kMaxCenters];
  const double* c = centers_.data();
  if (dim_ == 2) {
    const double p0 = point[0], p1 = point[1];
    for (int64_t j = 0; j < k; ++j) {
      const double e0 = p0 - c[2 * j], e1 = p1 - c[2 * j + 1];
      s[j] = e0 * e0 + e1 * e1;
    }
  } else {
    for (int64_t j = 0; j < k; ++j) s[j] = squared_distance(point, c + j * dim_);
  }
  return static_cast<int>(first_smallest(s, k, best));
}

void Resampler::add_centers(const float* latents, int64_t m, SplitMix64& rng) {
  const int64_t d = dim_;
  const double d_min2 = options_.d_min * options_.d_min;
  visit_.clear();
  for (int64_t i = 0; i < m; ++i) {
    if (!pairs_.is_test(group_[i])) visit_.push_back(static_cast<int32_t>(i));
  }
  for (size_t i = visit_.size(); i > 1; --i) std::swap(visit_[i - 1], visit_[rng.below(i)]);
  for (int32_t i : visit_) {
    const float* point = latents + i * d;
    bool far = true;
    for (size_t c = 0; far && c < centers_.size(); c += static_cast<size_t>(d)) {
      far = squared_distance(point, centers_.data() + c) > d_min2;
    }
    if (!far) continue;
    for (int64_t k = 0; k < d; ++k) {
      if (!std::isfinite(point[k])) throw TrainingError("the encoder gave a non-finite latent while resampling");
    }
    if (clusters() >= options_.max_centers) {
      std::ostringstream os;
      os << "regular-space clustering found more than " << options_.max_centers << " cluster centres with d_min = "
         << options_.d_min << ": the latent is too spread out for this d_min; increase d_min (min_dist)";
      throw TrainingError(os.str());
    }
    centers_.insert(centers_.end(), point, point + d);
  }
}

void Resampler::label_group(int64_t g, int64_t m) {
  const int64_t d = dim_;
  GroupMeta& meta = meta_[static_cast<size_t>(g)];
  meta.centers = clusters();
  float* lo = boxes_.data() + g * 2 * d;
  float* hi = lo + d;
  std::fill(lo, lo + d, std::numeric_limits<float>::infinity());
  std::fill(hi, hi + d, -std::numeric_limits<float>::infinity());
  for (int64_t i = 0; i < m; ++i) {
    const float* point = latents_.data() + i * d;
    double best;
    labels_[static_cast<size_t>(group_[i])] = static_cast<uint8_t>(nearest_center(point, meta.centers, best));
    meta.max_r2 = std::max(meta.max_r2, best);
    for (int64_t k = 0; k < d; ++k) {
      lo[k] = std::min(lo[k], point[k]);
      hi[k] = std::max(hi[k], point[k]);
    }
  }
}

void Resampler::relabel_stale_groups(const EncodePairs& encode, int64_t groups, int64_t cached) {
  const int64_t d = dim_, group_floats = kBlock * kGroupBlocks * d;
  const int64_t k_all = clusters();
  for (int64_t g = 0; g < groups; ++g) {
    const GroupMeta& meta = meta_[static_cast<size_t>(g)];
    if (meta.centers == k_all) continue;
    const float* lo = boxes_.data() + g * 2 * d;
    const float* hi = lo + d;
    bool stale = false;
    for (int64_t j = meta.centers; j < k_all && !stale; ++j) {
      const double* c = centers_.data() + j * d;
      double s = 0;
      for (int64_t k = 0; k < d; ++k) {
        const double gap = std::max({static_cast<double>(lo[k]) - c[k], 0.0, c[k] - static_cast<double>(hi[k])});
        s += gap * gap;
      }
      stale = s < meta.max_r2;
    }
    if (!stale) continue;
    collect_group(g);
    const int64_t m = static_cast<int64_t>(group_.size());
    const float* latents = cache_.data() + g * group_floats;
    if (g >= cached) {
      encode(group_.data(), m, latents_.data());
      latents = latents_.data();
    }
    for (int64_t i = 0; i < m; ++i) {
      double best;
      labels_[static_cast<size_t>(group_[i])] = static_cast<uint8_t>(nearest_center(latents + i * d, k_all, best));
    }
  }
}

void Resampler::shared_cluster_pass(const EncodePairs& encode, uint64_t seed, bool label) {
  // The serial pass's visiting order and centres: group g is encoded by
  // rank g % size, the ranks gather each chunk's latents, and every rank
  // finds the centres from them in order. The labels (every pair's nearest
  // centre, the first of equal distances) are what the serial pass ends
  // with after its relabelling; each rank labels its own groups.
  SplitMix64 rng(seed);
  const int64_t n = pairs_.size(), d = dim_, N = ranks_share_.size, me = ranks_share_.rank;
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  const int64_t groups = (blocks + kGroupBlocks - 1) / kGroupBlocks;
  const int64_t group_pairs = kBlock * kGroupBlocks, group_floats = group_pairs * d;
  block_order_ = RandomPermutation(static_cast<uint64_t>(blocks), rng.next());
  centers_.clear();
  // Groups per gather of latents: about 64 (32768 pairs), a multiple of the
  // ranks, so that group c0 + i N + r of a chunk is rank r's i-th.
  const int64_t per_rank = (64 + N - 1) / N, chunk = per_rank * N;
  std::vector<float> mine(static_cast<size_t>(per_rank * group_floats)), all(static_cast<size_t>(N * per_rank * group_floats));
  const int64_t own_groups = (groups - me + N - 1) / N;  // g = me, me + N, ...
  std::vector<float> own_latents(label ? static_cast<size_t>(own_groups * group_floats) : 0);
  for (int64_t c0 = 0; c0 < groups; c0 += chunk) {
    const int64_t c1 = std::min(groups, c0 + chunk);
    for (int64_t g = c0 + me, i = 0; g < c1; g += N, ++i) {
      collect_group(g);
      float* z = mine.data() + i * group_floats;
      encode(group_.data(), static_cast<int64_t>(group_.size()), z);
      if (label) std::copy(z, z + group_floats, own_latents.begin() + (g / N) * group_floats);
    }
    ranks_share_.gather(mine.data(), all.data(), per_rank * group_floats * static_cast<int64_t>(sizeof(float)));
    for (int64_t g = c0; g < c1; ++g) {
      collect_group(g);
      const int64_t owner = (g - c0) % N, i = (g - c0) / N;
      add_centers(all.data() + (owner * per_rank + i) * group_floats, static_cast<int64_t>(group_.size()), rng);
    }
  }
  if (centers_.empty()) throw TrainingError("resampling: no training pairs to cluster");
  if (!label) return;
  const int64_t k_all = clusters(), per_rank_labels = ((groups + N - 1) / N) * group_pairs;
  std::vector<uint8_t> my_labels(static_cast<size_t>(per_rank_labels), kNoLabel);
  for (int64_t g = me, i = 0; g < groups; g += N, ++i) {
    collect_group(g);
    const float* z = own_latents.data() + i * group_floats;
    for (size_t j = 0; j < group_.size(); ++j) {
      double best;
      my_labels[static_cast<size_t>(i * group_pairs) + j] = static_cast<uint8_t>(nearest_center(z + j * d, k_all, best));
    }
  }
  std::vector<uint8_t> every(static_cast<size_t>(N * per_rank_labels));
  ranks_share_.gather(my_labels.data(), every.data(), per_rank_labels);
  labels_.assign(static_cast<size_t>((n + 63) / 64 * 64), kNoLabel);
  for (int64_t g = 0; g < groups; ++g) {
    collect_group(g);
    const uint8_t* from = every.data() + (g % N) * per_rank_labels + (g / N) * group_pairs;
    for (size_t j = 0; j < group_.size(); ++j) labels_[static_cast<size_t>(group_[j])] = from[j];
  }
}

void Resampler::cluster_pass(const EncodePairs& encode, uint64_t seed, bool label) {
  if (ranks_share_.size > 1) {
    shared_cluster_pass(encode, seed, label);
    return;
  }
  SplitMix64 rng(seed);
  const int64_t n = pairs_.size(), d = dim_;
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  const int64_t groups = (blocks + kGroupBlocks - 1) / kGroupBlocks;
  block_order_ = RandomPermutation(static_cast<uint64_t>(blocks), rng.next());
  centers_.clear();
  latents_.resize(static_cast<size_t>(kBlock * kGroupBlocks * d));
  if (label) {
    labels_.assign(static_cast<size_t>((n + 63) / 64 * 64), kNoLabel);
    meta_.assign(static_cast<size_t>(groups), GroupMeta{});
    boxes_.assign(static_cast<size_t>(groups * 2 * d), 0.0f);
  }
  // The first groups' latents are kept (a fixed 2 MB, all of them for up to
  // 2^18 / d * 2 pairs): the groups labelled before most centres existed are
  // relabelled from them without encoding again.
  const int64_t group_floats = kBlock * kGroupBlocks * d;
  const int64_t cached = label ? std::min(groups, options_.cached_latents / group_floats) : 0;
  cache_.resize(static_cast<size_t>(cached * group_floats));
  for (int64_t g = 0; g < groups; ++g) {
    collect_group(g);
    const int64_t m = static_cast<int64_t>(group_.size());
    encode(group_.data(), m, latents_.data());
    if (g < cached) std::copy(latents_.begin(), latents_.begin() + m * d, cache_.begin() + g * group_floats);
    // Regular-space clustering over the group's training pairs, in random order.
    add_centers(latents_.data(), m, rng);
    // Every pair's nearest centre among those found so far; the group's box
    // and largest distance tell later whether a newer centre can be nearer.
    if (label) label_group(g, m);
  }
  if (centers_.empty()) throw TrainingError("resampling: no training pairs to cluster");
  // Fix-up: a group labelled before centre j existed is relabelled when j
  // is strictly nearer to its box than its farthest label (the exact test:
  // distances to the box never exceed those to its points, in rounding too).
  if (label) relabel_stale_groups(encode, groups, cached);
}

void Resampler::cluster(const EncodePairs& encode, uint64_t seed) { cluster_pass(encode, seed, false); }

void Resampler::release() {
  std::vector<uint8_t>().swap(labels_);
  std::vector<float>().swap(cache_);
  std::vector<float>().swap(boxes_);
  std::vector<GroupMeta>().swap(meta_);
  train_ = Plan();
  test_ = Plan();
}

void Resampler::resample(const EncodePairs& encode, uint64_t seed) {
  SplitMix64 rng(seed);
  cluster_pass(encode, rng.next(), true);
  batch_key_ = rng.next();
  const int64_t k = clusters();
  // Counts per cluster of both sets.
  for (Plan* p : {&train_, &test_}) p->counts.assign(static_cast<size_t>(k), 0);
  for (int64_t q = 0; q < pairs_.size(); ++q) {
    (pairs_.is_test(q) ? test_ : train_).counts[labels_[static_cast<size_t>(q)]] += 1;
  }
  const int64_t n = pairs_.count(PairSet::train), b = options_.batch_size;
  int64_t covered = 0;
  for (int64_t c : train_.counts) covered += c > b ? c : 0;
  if (static_cast<double>(covered) < 0.8 * static_cast<double>(n)) {
    std::ostringstream os;
    os << "too few samples per bin: clusters with more than one batch (" << b << ") of pairs hold "
       << (100.0 * static_cast<double>(covered) / static_cast<double>(n)) << " % of the pairs (80 % needed) with "
       << k << " clusters; increase d_min (min_dist)";
    throw TrainingError(os.str());
  }
  // The test pairs are drawn with the training clusters' weights.
  if (pair_weights_) {
    train_.draws = weighted_groups(PairSet::train, train_);
    test_.draws = weighted_groups(PairSet::test, test_);
    const std::vector<double> w = well_tempered_weights(populations(), options_.bias_factor);
    make_weighted_plan(train_, w, rng.next());
    make_weighted_plan(test_, w, rng.next());
    return;
  }
  const std::vector<double> w = well_tempered_weights(populations(), options_.bias_factor);
  make_plan(PairSet::train, train_, w, rng.next());
  make_plan(PairSet::test, test_, w, rng.next());
}

std::vector<double> Resampler::populations() const {
  std::vector<double> pop(train_.counts.begin(), train_.counts.end());
  if (!pair_weights_ || train_.draws.groups() != static_cast<int64_t>(pop.size())) return pop;
  double total = 0, n = 0;
  for (size_t k = 0; k < pop.size(); ++k) {
    total += train_.draws.total(static_cast<int64_t>(k));
    n += pop[k];
  }
  for (size_t k = 0; k < pop.size(); ++k) pop[k] = total > 0 ? n * train_.draws.total(static_cast<int64_t>(k)) / total : 0.0;
  return pop;
}

WeightedDraws Resampler::weighted_groups(PairSet s, const Plan& p) const {
  const int64_t k_all = clusters();
  std::vector<int64_t> starts(static_cast<size_t>(k_all + 1), 0);
  for (int64_t k = 0; k < k_all; ++k) starts[k + 1] = starts[k] + p.counts[static_cast<size_t>(k)];
  std::vector<int64_t> next(starts.begin(), starts.end() - 1);
  std::vector<int64_t> ids(static_cast<size_t>(starts.back()));
  std::vector<double> w(ids.size());
  for (int64_t q = 0; q < pairs_.size(); ++q) {
    if (!pairs_.in(s, q)) continue;
    const int64_t at = next[labels_[static_cast<size_t>(q)]]++;
    ids[at] = q;
    w[at] = (*pair_weights_)[static_cast<size_t>(q)];
  }
  return WeightedDraws(std::move(ids), w, std::move(starts));
}

void Resampler::make_weighted_plan(Plan& p, const std::vector<double>& weights, uint64_t seed) {
  const int64_t b = options_.batch_size;
  const std::vector<ClusterDraw> draws = well_tempered_draws(p.counts, weights, b);
  p.batches.clear();
  for (int64_t k = 0; k < clusters(); ++k) {
    if (p.counts[static_cast<size_t>(k)] <= b || !(p.draws.total(k) > 0)) continue;
    for (int64_t r = 0; r < draws[static_cast<size_t>(k)].target / b; ++r) {
      p.batches.push_back({static_cast<int32_t>(k), static_cast<int32_t>(r), 0});
    }
  }
  SplitMix64 rng(seed);  // the batch order
  for (size_t i = p.batches.size(); i > 1; --i) std::swap(p.batches[i - 1], p.batches[rng.below(i)]);
}

void Resampler::make_plan(PairSet s, Plan& p, const std::vector<double>& weights, uint64_t seed) {
  const int64_t k_all = clusters(), b = options_.batch_size, n = pairs_.size();
  const std::vector<ClusterDraw> draws = well_tempered_draws(p.counts, weights, b);
  p.batches.clear();
  for (int64_t k = 0; k < k_all; ++k) {
    const ClusterDraw& d = draws[static_cast<size_t>(k)];
    for (int64_t r = 0; r < d.repeats; ++r) {
      for (int64_t start = 0; start < d.length; start += b) {
        p.batches.push_back({static_cast<int32_t>(k), static_cast<int32_t>(r), start});
      }
    }
  }
  SplitMix64 rng(seed);  // the batch order
  for (size_t i = p.batches.size(); i > 1; --i) std::swap(p.batches[i - 1], p.batches[rng.below(i)]);

  // Rank table: members of each cluster before every superblock, and before
  // every block counted from its superblock (below 65536: uint16).
  const int64_t blocks = (n + p.block - 1) / p.block, supers = (n + kSuper - 1) / kSuper;
  const int64_t per_super = kSuper / p.block;
  p.super.assign(static_cast<size_t>(k_all * (supers + 1)), 0);
  p.local.assign(static_cast<size_t>(k_all * blocks), 0);
  std::vector<int64_t> total(static_cast<size_t>(k_all), 0), in_super(static_cast<size_t>(k_all), 0);
  for (int64_t blk = 0; blk < blocks; ++blk) {
    if (blk % per_super == 0) {
      for (int64_t k = 0; k < k_all; ++k) {
        total[k] += in_super[k];
        in_super[k] = 0;
        p.super[static_cast<size_t>(k * (supers + 1) + blk / per_super)] = total[k];
      }
    }
    for (int64_t k = 0; k < k_all; ++k) p.local[static_cast<size_t>(k * blocks + blk)] = static_cast<uint16_t>(in_super[k]);
    for (int64_t q = blk * p.block; q < std::min(n, (blk + 1) * p.block); ++q) {
      if (pairs_.in(s, q)) in_super[labels_[static_cast<size_t>(q)]] += 1;
    }
  }
  for (int64_t k = 0; k < k_all; ++k) p.super[static_cast<size_t>(k * (supers + 1) + supers)] = total[k] + in_super[k];
}

namespace {

struct LookupTables {
  const uint8_t* labels;
  const PairIndex* pairs;
  PairSet set;
  int k;
  const int64_t* super;   // the cluster's members before each superblock
  const uint16_t* local;  // ... before each block, from its superblock
  int64_t blocks, per_super, words_per_block;
  bool prefetch;
};

/// out[j] = the member of rank ranks[j] (increasing) of the cluster: one
/// forward walk over the small rank tables finds each rank's block, then one
/// forward scan of the labels from there. `before` (n) is scratch.
template <class Bits>
__attribute__((always_inline)) inline void find_members(const LookupTables& t, const int64_t* ranks, int64_t n,
                                                       int64_t* out, int64_t* before) {
  // out[j] = the first word of rank j's block, before[j] = members before it.
  int64_t sb = 0, blk = 0;
  for (int64_t j = 0; j < n; ++j) {
    const int64_t m = ranks[j];
    if (t.super[sb + 1] <= m) {  // a later superblock: from its first block
      while (t.super[sb + 1] <= m) ++sb;
      blk = sb * t.per_super;
    }
    const int64_t rest = m - t.super[sb], b1 = std::min(t.blocks, (sb + 1) * t.per_super);
    while (blk + 16 < b1 && t.local[blk + 16] <= rest) blk += 16;
    while (blk + 1 < b1 && t.local[blk + 1] <= rest) ++blk;
    out[j] = blk * t.words_per_block;
    before[j] = t.super[sb] + t.local[blk];
    // On a long trajectory (labels beyond the L2 cache) the labels' cache
    // lines are fetched ahead: each member is otherwise a cache miss.
    if (t.prefetch) __builtin_prefetch(t.labels + 64 * out[j]);
  }
  int64_t w = -1, seen = 0;  // scan cursor: members before word w
  for (int64_t j = 0; j < n; ++j) {
    const int64_t m = ranks[j];
    if (w < out[j]) {  // the cursor is behind m's block: start at the block
      w = out[j];
      seen = before[j];
    }
    for (;; ++w) {
      const uint64_t mask = Bits::equal(t.labels + 64 * w, static_cast<uint8_t>(t.k)) & t.pairs->member_word(t.set, w);
      const int c = Bits::count(mask);
      if (m - seen < c) {
        out[j] = 64 * w + select_bit(mask, static_cast<int>(m - seen));
        break;
      }
      seen += c;
    }
  }
}

void find_members_portable(const LookupTables& t, const int64_t* ranks, int64_t n, int64_t* out, int64_t* before) {
  find_members<PortableBits>(t, ranks, n, out, before);
}

#ifdef DYNAE_HAS_AVX2_PATH
DYNAE_AVX2 void find_members_avx2(const LookupTables& t, const int64_t* ranks, int64_t n, int64_t* out,
                                  int64_t* before) {
  find_members<Avx2Bits>(t, ranks, n, out, before);
}
const auto find_members_best = cpu_has_avx2() ? find_members_avx2 : find_members_portable;
#else
const auto find_members_best = find_members_portable;
#endif

/// Sorts a random sample of values below n: a counting sort into as many
/// buckets as values, then insertion (about one value per bucket).
void sort_sample(std::vector<int64_t>& v, int64_t n, std::vector<int64_t>& scratch, std::vector<int32_t>& counts) {
  const int64_t m = static_cast<int64_t>(v.size());
  counts.assign(static_cast<size_t>(m + 1), 0);
  auto bucket = [&](int64_t x) { return static_cast<int64_t>((static_cast<unsigned __int128>(x) * m) / n); };
  for (int64_t x : v) counts[bucket(x) + 1] += 1;
  for (int64_t i = 0; i < m; ++i) counts[i + 1] += counts[i];
  scratch.resize(static_cast<size_t>(m));
  for (int64_t x : v) scratch[counts[bucket(x)]++] = x;
  for (int64_t i = 1; i < m; ++i) {
    const int64_t x = scratch[i];
    int64_t j = i;
    for (; j > 0 && scratch[j - 1] > x; --j) scratch[j] = scratch[j - 1];
    scratch[j] = x;
  }
  v.swap(scratch);
}

}  // namespace

void Resampler::batch(PairSet s, int64_t b, int64_t* out, int64_t from, int64_t to) const {
  const Plan& p = plan(s);
  const BatchRef& ref = p.batches[static_cast<size_t>(b)];
  const int k = ref.cluster;
  if (pair_weights_) {
    p.draws.draw(k, options_.batch_size, batch_key(batch_key_, s, k, ref.repeat), out);
    return;
  }
  const int64_t nk = p.counts[static_cast<size_t>(k)];
  const RandomPermutation perm(static_cast<uint64_t>(nk), batch_key(batch_key_, s, k, ref.repeat));
  // The members' ranks within cluster k, in increasing order (the batch is a
  // set; its order does not matter), then found in one walk.
  const int64_t n_batch = options_.batch_size;
  ranks_.resize(static_cast<size_t>(n_batch));
  for (int64_t j = 0; j < n_batch; ++j) ranks_[j] = static_cast<int64_t>(perm(static_cast<uint64_t>(ref.start + j)));
  sort_sample(ranks_, nk, sort_scratch_, sort_counts_);
  const int64_t n = pairs_.size();
  const int64_t blocks = (n + p.block - 1) / p.block, supers = (n + kSuper - 1) / kSuper;
  const LookupTables t{labels_.data(), &pairs_, s, k, p.super.data() + k * (supers + 1), p.local.data() + k * blocks,
                       blocks, kSuper / p.block, p.block / 64, n > (int64_t{1} << 19)};
  block_before_.resize(static_cast<size_t>(n_batch));
  find_members_best(t, ranks_.data() + from, to - from, out + from, block_before_.data());
}

}  // namespace dynae
