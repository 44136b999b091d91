"""dynae's demo from Python: DynAE on the bundled warped three-state
trajectory, scored against the bundled ground truth.

    PYTHONPATH=build/python python3 examples/python/demo.py [--epochs 50] [--seed 0]
"""

import argparse
import pathlib

import numpy as np

import dynae

DATA = pathlib.Path(__file__).resolve().parents[1] / "data"

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--epochs", type=int, default=50)
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--out", default=None, help="also save the model here (model.pt, as dynae train writes it)")
args = parser.parse_args()

x = np.load(DATA / "three_state_transformed_traj_data200k.npy")  # what a model sees: a warped view
truth = np.load(DATA / "three_state_traj_data200k.npy")           # the true slow coordinates

est = dynae.DynAE(d=2, seed=args.seed, epochs=args.epochs).fit(x)
z = est.transform(x)
m = dynae.metrics.compare(truth, z)
print(f"DynAE, {args.epochs} epochs, seed {args.seed}: R^2 {m.r2:.4f} (bar 0.995), disparity {m.disparity:.4f} "
      f"(bar 0.01), anisotropy {m.anisotropy:.3f} (bar 1.15)")
ok = m.r2 >= 0.995 and m.disparity <= 0.01 and m.anisotropy <= 1.15
print("PASS" if ok else "below the bars" + (" (50 epochs reach them)" if args.epochs < 50 else ""))
if args.out:
    est.save(args.out)
    print(f"model: {args.out}")
