"""dynae: meaningful low-dimensional representations of stochastic time series.

A thin binding over the C++ library libdynae (the same code as the ``dynae``
command line): estimators (``DynAE`` and the baselines ``VAE``, ``SWAE``,
``SDEVAE``, ``TAE``, ``TICA``), models that load and save ``model.pt``,
landscapes, generated dynamics, kinetics, identifiability metrics, simulators
and the COLVAR reader. Arrays cross as numpy (torch tensors on the CPU are read
without a copy).

    import dynae, numpy as np
    x = np.load("x.npy")
    est = dynae.DynAE(d=2, seed=0, epochs=50).fit(x)
    z = est.transform(x)
"""

from __future__ import annotations

import errno as _errno
import os as _os
from typing import Sequence, Union

import numpy as _np
from numpy.typing import ArrayLike

from . import _dynae
from ._dynae import CheckpointError, Error, Model, TrainingError
from ._estimators import ESTIMATORS as _ESTIMATORS, Estimator, OPTIONS
from ._results import Result
from . import kinetics, metrics

globals().update(_ESTIMATORS)

__all__ = ["Estimator", "Model", "Result", "Error", "CheckpointError", "TrainingError", "load", "landscape",
           "generate", "transformations", "simulate", "systems", "read_colvar", "kinetics", "metrics", "OPTIONS"] + list(_ESTIMATORS)
__version__ = "0.1.0"


def _existing(path):
    path = _os.fspath(path)
    if not _os.path.exists(path):
        raise FileNotFoundError(_errno.ENOENT, "no such file", path)
    return path


def load(path: Union[str, _os.PathLike]) -> Model:
    """Reads a model.pt written by ``dynae train`` or ``Model.save`` (FileNotFoundError
    when absent, CheckpointError when it is not a model or is damaged)."""
    return Model.load(_existing(path))


def landscape(model: Model, x: Union[ArrayLike, Sequence[ArrayLike]], bins: int = 64, smoothing: float = 1.0,
              min_barrier: float = 1.0, min_population: float = 0.005, coordinates: Sequence[int] = ()) -> Result:
    """The free-energy landscape of the model's latent of frames x (an array or a
    list per trajectory): grid axes, counts, free energy (kT, NaN where unvisited),
    basins, their centres and populations, every frame's latent and basin, and the
    learned force on the grid (DynAE)."""
    return Result(_dynae.landscape(model, x, bins, smoothing, min_barrier, min_population, list(coordinates)))


def generate(model: Model, z0: ArrayLike, steps: int, seed: int = 0, unit_diffusion: bool = False) -> _np.ndarray:
    """Runs the model's learned latent dynamics (DynAE, SDE-VAE) from each row of
    z0 (M, d) for ``steps`` lags: an array (steps + 1, M, d)."""
    z0 = _np.atleast_2d(_np.asarray(z0, dtype=_np.float64))
    out, _ = model.simulate_latent(z0, steps, seed, unit_diffusion)
    return out


def transformations(model: Model, x: Union[ArrayLike, Sequence[ArrayLike]], lag: int = 1,
                    labels: ArrayLike | None = None) -> Result:
    """How well a model predicts each frame t + lag of x (an array or a list per
    trajectory): next_frame_mse, next_frame_relative_error (against predicting no
    change), next_frame_log_likelihood (Gaussian at the maximum-likelihood noise,
    per value), next_frame_kl (nats per transition that the prediction took from
    frame t + lag: STA its speeds', a VAE its latent's) and next_frame_elbo
    (log-likelihood - kl per value: the held-out evidence bound). STA models also
    give each transition's speeds (one (T - lag, K) array per trajectory, in
    latent units: posterior means times each field's scale), field_scale,
    field_share, active_fields (fields carrying >= 10 % of a transition's
    |speed|, on average) and latent_equivariance_error; with ``labels`` (each
    transition's true primitive, e.g. ``moves[:, 0]`` of
    ``simulate('transformations')``; negative = unlabelled) primitive_carry: per
    primitive, its dominant field and the share of |speed| that field carries.
    Other models predict frame t + lag by their reconstruction of it."""
    if labels is not None:
        labels = [int(v) for v in _np.asarray(labels).ravel()]
    return Result(_dynae.transformations(model, x, lag, labels))


def simulate(system: str, steps: int | None = None, seed: int = 0, **options):
    """Simulates a built-in system (``dynae.systems()``): overdamped Langevin
    dynamics of a potential, an array (frames, dim), or a list of them with
    trajectories > 1. Options: dt, kT, stride, trajectories, burn_in, dim,
    parameters (dict), expression, start, scheme ('em' or 'lm'), rotation, threads.
    A molecule (alanine_dipeptide, where OpenMM is built) gives a Result with
    phi_psi, features (features='heavy_distances', 'dihedrals' or 'positions'),
    feature_names and positions; options dt (fs), stride, temperature (K),
    solvent, platform. ``transformations`` (a shape moved by one primitive per
    step) gives a Result with pose (frames, 4: x, y, radius, angle), moves
    (frames - 1, 2: primitive 0-3 = translate_x, translate_y, rotate, scale;
    signed speed), movie (frames, 1, S, S) and primitives; options
    trajectories, parameters (translate, rotate, scale: typical steps, 0 leaves
    one out), frame_size (S, 32) and noise."""
    return _simulate_result(_dynae.simulate(system, steps, seed, **options))


def _simulate_result(out):
    return Result(out) if isinstance(out, dict) else out


def systems() -> list[Result]:
    """The built-in systems: name, description, dimension, defaults, parameters."""
    return [Result(s) for s in _dynae.systems()]


def read_colvar(path: Union[str, _os.PathLike], features: str | Sequence[str] | None = None,
                weights_column: str | None = None) -> Result:
    """Reads a PLUMED COLVAR (or CSV / TSV with a header) as ``dynae train`` does:
    a Result with ``trajectories`` (one array per COLVAR block: a restart starts a
    new trajectory), ``names`` (the feature columns chosen: names or globs such
    as 'd*'; default every column but time, bias-like ones and weights),
    ``weights`` (with weights_column: one array per block) and ``columns``."""
    if isinstance(features, str):
        features = [features]
    return Result(_dynae.read_columns(_existing(path), list(features or []), weights_column or ""))
