"""Small result objects: a dict's keys as attributes, shown briefly."""

import numpy as np


class Result(dict):
    """A result: its fields as attributes (``r.free_energy``) and as keys."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __dir__(self):
        return list(self.keys()) + list(super().__dir__())

    def __repr__(self):
        parts = []
        for k, v in self.items():
            if isinstance(v, np.ndarray):
                parts.append(f"{k}=<array {v.shape}>")
            elif isinstance(v, (list, tuple)) and len(v) > 6:
                parts.append(f"{k}=<{len(v)} items>")
            elif isinstance(v, str) and "\n" in v:
                parts.append(f"{k}=<text>")
            else:
                parts.append(f"{k}={v!r}")
        return f"{type(self).__name__}(" + ", ".join(parts) + ")"
