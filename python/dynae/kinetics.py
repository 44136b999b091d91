"""Kinetics of discrete trajectories: MSMs, implied timescales, the
Chapman-Kolmogorov test, and VAMP-2 scores of features. Units: frames."""

from __future__ import annotations

from typing import Sequence, Union

import numpy as np
from numpy.typing import ArrayLike

from . import _dynae
from ._results import Result

Labels = Union[ArrayLike, Sequence[ArrayLike]]  # one int array of states per frame, or one per trajectory


def discretise(z: Union[ArrayLike, Sequence[ArrayLike]], k: int, seed: int = 0) -> list[np.ndarray]:
    """States of latent trajectories (an array or a list): k-means centres on
    the standardised frames, each frame's nearest; a list of int arrays."""
    return _dynae.kmeans_states(z, k, seed)


def its(dtrajs: Labels, lags: Sequence[int] = (), states: int = 0, processes: int = 3, bootstrap: int = 0,
        confidence: float = 0.95, seed: int = 0, reversible: bool = True) -> list[Result]:
    """Implied timescales of an MSM at each lag (default: 1, 2, 5, 10, ... up to a
    tenth of the shortest trajectory), with bootstrap intervals when bootstrap > 0.
    dtrajs: an int array of states per frame, or a list of them. A list of
    Results (lag, timescales, lower, upper, active_states)."""
    return [Result(r) for r in _dynae.its(dtrajs, list(lags), states, processes, bootstrap, confidence, seed,
                                          reversible)]


def msm(dtrajs: Labels, lag: int, states: int = 0, reversible: bool = True) -> Result:
    """A Markov state model at ``lag``: active set, transition matrix, stationary
    distribution, eigenvalues and timescales."""
    return Result(_dynae.msm(dtrajs, lag, states, reversible))


def ck_test(dtrajs: Labels, lag: int, sets: Sequence[int] = (), states: int = 0, steps: int = 5,
            reversible: bool = True) -> Result:
    """Chapman-Kolmogorov test: the lag-tau MSM's prediction of the probability to
    be in set B k tau after set A, against the MSM estimated at k tau (k = 1 ..
    steps). sets: the set of each state (-1: none); default each state its own.
    predicted / estimated are (k, sets, sets) arrays."""
    return Result(_dynae.ck_test(dtrajs, lag, list(sets), states, steps, reversible))


def vamp2(x: Union[ArrayLike, Sequence[ArrayLike]], lag: int, test=None, rank: int = 0) -> Result:
    """VAMP-2 score of features x (an array or list of trajectories) at ``lag``;
    with ``test``, also the score of the fitted singular functions on it."""
    return Result(_dynae.vamp2(x, lag, test, rank))
