"""Kinetics of discrete trajectories: MSMs, implied timescales, the
Chapman-Kolmogorov test, and VAMP-2 scores of features. Units: frames."""

from . import _dynae
from ._results import Result


def discretise(z, k, seed=0):
    """States of latent trajectories (an array or a list): k-means centres on
    the standardised frames, each frame's nearest; a list of int arrays."""
    return _dynae.kmeans_states(z, k, seed)


def its(dtrajs, lags=(), states=0, processes=3, bootstrap=0, confidence=0.95, seed=0, reversible=True):
    """Implied timescales of an MSM at each lag (default: 1, 2, 5, 10, ... up to a
    tenth of the shortest trajectory), with bootstrap intervals when bootstrap > 0.
    dtrajs: an int array of states per frame, or a list of them. A list of
    Results (lag, timescales, lower, upper, active_states)."""
    return [Result(r) for r in _dynae.its(dtrajs, list(lags), states, processes, bootstrap, confidence, seed,
                                          reversible)]


def msm(dtrajs, lag, states=0, reversible=True):
    """A Markov state model at ``lag``: active set, transition matrix, stationary
    distribution, eigenvalues and timescales."""
    return Result(_dynae.msm(dtrajs, lag, states, reversible))


def ck_test(dtrajs, lag, sets=(), states=0, steps=5, reversible=True):
    """Chapman-Kolmogorov test: the lag-tau MSM's prediction of the probability to
    be in set B k tau after set A, against the MSM estimated at k tau (k = 1 ..
    steps). sets: the set of each state (-1: none); default each state its own.
    predicted / estimated are (k, sets, sets) arrays."""
    return Result(_dynae.ck_test(dtrajs, lag, list(sets), states, steps, reversible))


def vamp2(x, lag, test=None, rank=0):
    """VAMP-2 score of features x (an array or list of trajectories) at ``lag``;
    with ``test``, also the score of the fitted singular functions on it."""
    return Result(_dynae.vamp2(x, lag, test, rank))
