"""Overhead of the Python package: DynAE's training time through
`dynae.DynAE(...).fit(x)` against `dynae train` on the same data, epochs,
seed and threads, in alternating rounds; prints both and their ratio.

    PYTHONPATH=build/python python3 bench/python_fit.py [--cli build/dynae] [--epochs 20] [--rounds 3] [--threads 1]

The CLI's figure is its own training time (finished.txt's training_seconds:
the Estimator's fit, without loading the data or writing outputs); Python's is
the wall time of the fit call (arrays to the library included).
"""

import argparse
import pathlib
import statistics
import subprocess
import tempfile
import time

import numpy as np

import dynae

ROOT = pathlib.Path(__file__).resolve().parents[1]
DATA = ROOT / "examples" / "data" / "three_state_transformed_traj_data200k.npy"

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--cli", default=str(ROOT / "build" / "dynae"))
parser.add_argument("--epochs", type=int, default=20)
parser.add_argument("--rounds", type=int, default=3)
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()

x = np.load(DATA)
cli_s, py_s = [], []
with tempfile.TemporaryDirectory() as tmp:
    for r in range(args.rounds):
        out = pathlib.Path(tmp) / f"run{r}"
        subprocess.run([args.cli, "train", "--input", str(DATA), "--epochs", str(args.epochs), "--seed",
                        str(args.seed), "--threads", str(args.threads), "--out", str(out), "--quiet"], check=True,
                       capture_output=True)
        fields = dict(line.split(" = ") for line in (out / "finished.txt").read_text().splitlines())
        cli_s.append(float(fields["training_seconds"]))
        t0 = time.perf_counter()
        est = dynae.DynAE(seed=args.seed, epochs=args.epochs, threads=args.threads).fit(x, progress=False)
        py_s.append(time.perf_counter() - t0)
        same = np.array_equal(est.transform(x).astype(np.float32), np.load(out / "latent_traj0.npy"))
        print(f"round {r}: cli {cli_s[-1]:.2f} s, python {py_s[-1]:.2f} s, latents identical: {same}", flush=True)

c, p = statistics.median(cli_s), statistics.median(py_s)
print(f"cli_training_seconds_median {c:.3f}")
print(f"python_fit_seconds_median {p:.3f}")
print(f"python_over_cli {p / c:.4f}  (target <= 1.03)")
