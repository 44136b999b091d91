"""The molecular-dynamics workflow from Python: a biased simulation's COLVAR
with weights -> DynAE -> free-energy landscape -> kinetics -> TorchScript for
PLUMED.

The COLVAR is made here so the example runs anywhere: a 2-D double well,
simulated with a static bias that lowers its barrier (U_bias = -b exp(-x^2)),
seen through 6 nonlinear features; its weights are exp(U_bias / kT), PLUMED's
reweighting of a static bias. With your own COLVAR, start at read_colvar.

    PYTHONPATH=build/python python3 examples/python/md_workflow.py [--epochs 20] [--out md_out]
"""

import argparse
import pathlib

import numpy as np

import dynae

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--epochs", type=int, default=20)
parser.add_argument("--steps", type=int, default=600000, help="integration steps of the simulation")
parser.add_argument("--out", default="md_out")
args = parser.parse_args()
out = pathlib.Path(args.out)
out.mkdir(parents=True, exist_ok=True)

# 1. A biased simulation and its COLVAR (time, features, bias).
kT, b = 0.5, 0.6
expression = f"(x^2 - 1)^2 + y^2 - {b} * exp(-x^2)"  # the double well plus the bias
traj = dynae.simulate("expression", expression=expression, dim=2, steps=args.steps, stride=20, kT=kT, dt=1e-3,
                      start=[-1.0, 0.0], seed=7)
bias = -b * np.exp(-traj[:, 0] ** 2)
features = np.column_stack([traj[:, 0], traj[:, 1], np.sin(traj[:, 0]), traj[:, 0] * traj[:, 1],
                            np.tanh(traj[:, 1]), traj[:, 0] ** 2 + 0.1 * traj[:, 1]])
names = [f"f{i}" for i in range(features.shape[1])]
colvar = out / "COLVAR"
with open(colvar, "w") as f:
    f.write("#! FIELDS time " + " ".join(names) + " bias.bias\n")
    for t, (row, v) in enumerate(zip(features, bias)):
        f.write(f"{t} " + " ".join(f"{val:.6f}" for val in row) + f" {v:.6f}\n")

# 2. Read it as dynae train would: features by glob, the bias column beside them.
data = dynae.read_colvar(colvar, features="f*", weights_column="bias.bias")
print(f"COLVAR: {sum(len(t) for t in data.trajectories)} frames, features {data.names}")

# 3. DynAE with the frames reweighted: the column holds the bias potential V the
#    run added to the energy, so each frame weighs exp(V / kT).
est = dynae.DynAE(d=1, seed=0, epochs=args.epochs, weights_kind="bias", kT=kT)
est.fit(data.trajectories, weights=data.weights, progress=False)
print(f"trained: {est.model_}; quality (slowest implied timescale at lag {est.model_.quality['lag']}): "
      f"{est.model_.quality['timescale']:.1f} frames")

# 4. The landscape of the latent: two basins of the double well.
land = dynae.landscape(est.model_, data.trajectories)
print(f"landscape: {len(land.populations)} basins, populations {np.round(land.populations, 3).tolist()}")
np.save(out / "free_energy.npy", land.free_energy)

# 5. Kinetics on the basins: implied timescales and the Chapman-Kolmogorov test.
its = dynae.kinetics.its(land.states, lags=[1, 2, 5, 10], processes=1)
for r in its:
    print(f"  lag {r.lag:3d}: slowest implied timescale {r.timescales[0]:.1f} frames")
ck = dynae.kinetics.ck_test(land.states, lag=5, steps=4)
print(f"Chapman-Kolmogorov at lag 5: largest deviation {ck.max_deviation:.3f}")

# 6. The encoder as TorchScript, and the PLUMED lines that load it.
info = est.export_torchscript(out / "encoder.pt")
print(f"TorchScript: {info['path']} ({info['inputs']} inputs -> {info['outputs']} outputs)")
print(info["plumed"])
ok = len(land.populations) == 2 and its[-1].timescales[0] > 10 and ck.max_deviation < 0.1
print("PASS" if ok else "unexpected result")
raise SystemExit(0 if ok else 1)
