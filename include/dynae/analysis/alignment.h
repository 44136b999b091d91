#pragma once
// How alike two latents of the same frames are, up to what DynAE leaves
// free (a rotation, a reflection, a shift, one scale): the Procrustes
// disparity, linear CKA and the mutual nearest neighbours; and the consensus
// of several latents (generalised Procrustes).
#include <cstdint>
#include <vector>

#include "dynae/array.h"

namespace dynae {

struct LatentAlignment {
  /// 1 - (nuclear norm of A^T B)^2 with A, B centred, zero-padded to the same
  /// width and scaled to unit Frobenius norm: 0 for copies related by an
  /// isometry and one scale, 1 at most. Symmetric.
  double disparity = 0;
  /// Linear CKA, ||A^T B||_F^2 / (||A^T A||_F ||B^T B||_F) of the centred
  /// latents: 1 for copies related by an orthogonal map and one scale, near 0
  /// for independent ones; invariant to isotropic scaling, not to warps.
  double cka = 0;
  /// Mean fraction of each frame's k nearest neighbours (Euclidean, in each
  /// latent) that are neighbours in both, over at most `max_frames` evenly
  /// spaced frames: local structure kept (1) or not (about k / frames).
  double knn_overlap = 0;
};

/// Compares latents a and b (T, d_a), (T, d_b) of the same T frames.
/// DataError when the frame counts differ, a latent is not 2-D, is constant
/// or holds a non-finite value, or T < 3.
LatentAlignment align_latents(const Array& a, const Array& b, int64_t k = 10, int64_t max_frames = 2000);

/// Generalised Procrustes: the mean of the latents after each is centred,
/// scaled to unit Frobenius norm and rotated (reflections allowed) onto the
/// mean, iterated until the mean settles. Returns (T, d_max) at the scale of
/// the first latent; `residuals` (if given) receives each latent's disparity
/// to it. Same errors as align_latents.
Array consensus_latent(const std::vector<Array>& latents, std::vector<double>* residuals = nullptr);

}  // namespace dynae
