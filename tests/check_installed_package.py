"""The installed Python package (check_install.cmake runs this with PYTHONPATH
set to it): imports from the prefix, away from the build tree, and fits."""

import sys

import numpy as np

import dynae

prefix = sys.argv[1]
assert dynae.__file__.startswith(prefix), dynae.__file__
x = np.cumsum(np.random.default_rng(0).normal(size=(3000, 2)), axis=0)
model = dynae.TICA(d=1).fit(x, progress=False).model_
assert model.encode(x).shape == (3000, 1)
print(dynae.__file__, model)
