"""Estimators in the style of deeptime and scikit-learn, one per model kind.

Their keywords are not written here: they come from the library's one options
table (``model_options.def`` and the run's own options), each with its default,
its validation and its help, so an option added there is a keyword here.
"""

import inspect
import re

from . import _dynae
from ._progress import make_progress

OPTIONS = _dynae.option_table()
_TYPES = {"int": int, "float": float, "bool": bool, "str": str}


def _option_doc(row):
    text = f"{row['keyword']} : {row['type']}, default {row['default']!r}\n    {row['help']}"
    if row["choices"]:
        text += f" (one of: {row['choices']})"
    if row["expected"]:
        text += f"; {row['expected']}"
    return text


class Estimator:
    """A model's hyper-parameters; ``fit`` trains and keeps the fitted model.

    The keywords are every option of ``dynae train`` that is not about files
    (``help(dynae.DynAE)`` lists them with their defaults). Unknown keywords and
    bad or out-of-range values raise ``ValueError`` naming them, at
    construction.
    """

    _model = None  # the canonical model name

    def __init__(self, **params):
        self._params = {}
        self._values = None
        self.model_ = None
        self.history_ = None
        self.set_params(**params)

    # -- scikit-learn's parameter protocol ---------------------------------
    def get_params(self, deep=True):
        """Every keyword and its value (defaults included)."""
        return {k: v for k, v in self._values.items() if k != "model"}

    def set_params(self, **params):
        """Changes keywords (validated at once); returns the estimator."""
        merged = {**self._params, **params}
        self._values = _dynae.check_settings(self._model, merged)
        self._params = {k: v for k, v in merged.items() if v is not None}
        return self

    def __getattr__(self, name):
        values = self.__dict__.get("_values")
        if values is not None and name in values and name != "model":
            return values[name]
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    def __repr__(self):
        given = ", ".join(f"{k}={v!r}" for k, v in self._params.items())
        return f"{type(self).__name__}({given})"

    def config_ini(self):
        """The settings as the config.ini that ``dynae train --config`` reads."""
        return _dynae.settings_ini(self._model, self._params)

    # -- training ------------------------------------------------------------
    def fit(self, data, weights=None, targets=None, threads=None, progress=True):
        """Trains on ``data`` and returns the estimator (the model is ``model_``).

        data: a (frames, features) array (float32 or float64; also a torch
            tensor on the CPU), or a list of them, one per trajectory: lag
            pairs never cross from one to the next. float64 C-contiguous arrays
            are read in place (no copy).
        weights: per-frame statistical weights of biased runs, one 1-D array
            per trajectory (their kind: the keywords weights_kind, kT).
        targets: what the decoder reconstructs, one array per trajectory
            (default: the inputs).
        threads: overrides the ``threads`` keyword (0 = auto).
        progress: True (a bar in a terminal or notebook), False (silent), or a
            callable given each event dict (steps, epochs, notes).

        The interpreter's lock is released while training runs; Ctrl-C stops
        it after the step in progress and raises KeyboardInterrupt.
        """
        params = dict(self._params)
        if threads is not None:
            params["threads"] = threads
        callback = make_progress(progress)
        try:
            model, history = _dynae.fit(self._model, params, data, targets, weights, callback)
        finally:
            close = getattr(callback, "close", None)
            if close is not None:
                close()
        self.model_ = model
        self.history_ = history
        return self

    def fetch_model(self):
        """The fitted model (deeptime's name for it); None before fit."""
        return self.model_

    def _fitted(self):
        if self.model_ is None:
            raise ValueError(f"this {type(self).__name__} is not fitted yet: call fit(data) first")
        return self.model_

    def transform(self, x):
        """Latents of frames x: one array, or a list of arrays (a list back)."""
        model = self._fitted()
        if isinstance(x, (list, tuple)):
            return [model.encode(t) for t in x]
        return model.encode(x)

    encode = transform

    def fit_transform(self, data, **kwargs):
        return self.fit(data, **kwargs).transform(data)

    def decode(self, z):
        return self._fitted().decode(z)

    def save(self, path):
        """Writes the fitted model as model.pt (what ``dynae train`` writes)."""
        self._fitted().save(str(path))

    def export_torchscript(self, path, what="encoder", label="cv"):
        """TorchScript of the encoder (or decoder, force, free-energy); returns its
        description with the PLUMED lines that load it."""
        return self._fitted().export_torchscript(str(path), what, label)


def _make_class(model, display):
    name = re.sub(r"\W", "", display)
    rows = [r for r in OPTIONS if r["keyword"] != "model"]
    params = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    params += [inspect.Parameter(r["keyword"], inspect.Parameter.KEYWORD_ONLY, default=r["default"],
                                 annotation=_TYPES[r["type"]]) for r in rows]

    def __init__(self, **kwargs):
        Estimator.__init__(self, **kwargs)

    __init__.__signature__ = inspect.Signature(params)
    __init__.__qualname__ = f"{name}.__init__"
    doc = (f"{display}: the estimator of dynae's model '{model}'.\n\n"
           f"``{name}(**keywords).fit(data)`` trains it; ``model_`` is the fitted model.\n\n"
           "Keywords\n--------\n" + "\n".join(_option_doc(r) for r in rows))
    __init__.__doc__ = doc
    return type(name, (Estimator,), {"_model": model, "__init__": __init__, "__doc__": doc, "__module__": "dynae"})


ESTIMATORS = {}
for _model, _display in _dynae.model_kinds():
    _cls = _make_class(_model, _display)
    ESTIMATORS[_cls.__name__] = _cls
