#pragma once
// Discretising a continuous trajectory (a latent, a few features) into
// states for a Markov state model: cluster centres, then each frame's
// nearest centre.
#include <cstdint>
#include <vector>

#include "dynae/array.h"

namespace dynae {

/// k-means centres (k, d) of the frames of z (T, d): k-means++ seeding, then
/// Lloyd iterations (on at most max_frames evenly spaced frames) until no centre moves by more than 1e-8 of the data's
/// spread (or max_iterations). Deterministic for a seed. An empty cluster is
/// re-seeded at the frame farthest from its centre. Throws DataError when z
/// has fewer than k distinct frames or holds a non-finite value.
Array kmeans_centers(const Array& z, int64_t k, uint64_t seed = 0, int64_t max_iterations = 100,
                     int64_t max_frames = 100000);

/// States of trajectories stacked in `all` (T, d), `lengths` frames each:
/// every axis shifted and scaled to mean 0, sd 1 over all frames (no axis
/// dominates by its units), k-means centres (k capped at T) from at most
/// max_frames of them, each frame's nearest centre; one label vector per
/// trajectory. Throws as kmeans_centers.
std::vector<std::vector<int64_t>> standardised_kmeans_states(const Array& all, const std::vector<int64_t>& lengths,
                                                             int64_t k, uint64_t seed = 0, int64_t max_frames = 100000);

/// Regular-space centres: frames taken in order, a frame becomes a centre
/// when it is at least min_dist from every centre so far. Throws DataError
/// when more than max_centers would be needed (naming min_dist).
Array regular_space_centers(const Array& z, double min_dist, int64_t max_centers = 1000);

/// Index of the nearest centre (Euclidean) of each frame of z.
std::vector<int64_t> assign_nearest(const Array& z, const Array& centers);

}  // namespace dynae
