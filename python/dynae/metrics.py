"""Identifiability metrics: how well a latent is a rotated, scaled copy of the truth."""

from __future__ import annotations

from typing import Sequence

from numpy.typing import ArrayLike

from . import _dynae
from ._results import Result


def compare(truth: ArrayLike, latent: ArrayLike, lengths: Sequence[int] = ()) -> Result:
    """Every metric of latent Z (T, d) against truth X (T, k): r2 (linear R^2 of
    the least-squares map truth -> latent), disparity (similarity-Procrustes),
    anisotropy (largest / smallest singular value of that map), scale, and per
    coordinate step variances (``lengths``: trajectory lengths, so that steps
    never cross trajectories)."""
    return Result(_dynae.compare_latents(truth, latent, list(lengths)))


def procrustes(truth: ArrayLike, latent: ArrayLike) -> float:
    """Similarity-Procrustes disparity of latent and truth (0: a rotated, scaled copy)."""
    return compare(truth, latent).disparity


def r2(truth: ArrayLike, latent: ArrayLike) -> float:
    """Linear R^2 of the least-squares map truth -> latent."""
    return compare(truth, latent).r2


def anisotropy(truth: ArrayLike, latent: ArrayLike) -> float:
    """Largest / smallest singular value of the linear map truth -> latent (1: isometric)."""
    return compare(truth, latent).anisotropy


def align(a: ArrayLike, b: ArrayLike, k: int = 10) -> Result:
    """How alike two latents of the same frames are, up to a rotation, reflection,
    shift and one scale: disparity (Procrustes, 0 = alike), cka (linear CKA, 1 =
    alike) and knn_overlap (shared nearest neighbours). What ``dynae align``
    reports per pair."""
    return Result(_dynae.align_latents(a, b, k))


def consensus(latents: Sequence[ArrayLike]) -> tuple:
    """The generalised Procrustes mean of latents of the same frames (at the first
    one's scale), and each latent's disparity to it."""
    return _dynae.consensus_latent(list(latents))
