"""dynae export read by Python: torch.jit.load gives dynae encode's numbers (1e-5)
and finite input gradients. Run by CTest with Debian's python3-torch:
    python3 export_python.py DYNAE_CLI SCRATCH_DIR
Exit 77 (CTest: skipped) when torch or numpy cannot be imported."""
import math
import os
import shutil
import subprocess
import sys

try:
    import numpy as np
    import torch
except ImportError as e:
    print("skipped: %s (Debian packages python3-torch, python3-numpy)" % e)
    sys.exit(77)

cli, scratch = sys.argv[1], sys.argv[2]
shutil.rmtree(scratch, ignore_errors=True)  # a fresh run each time (dynae keeps finished runs)
os.makedirs(scratch, exist_ok=True)


def run(*args):
    r = subprocess.run([cli, *args], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("dynae %s failed:\n%s%s" % (" ".join(args), r.stdout, r.stderr))
    return r.stdout


# A COLVAR with a restart, a bias column and the time: two features d1, phi.
rng = np.random.default_rng(0)
colvar = os.path.join(scratch, "COLVAR")
with open(colvar, "w") as f:
    a = b = 0.0
    for block in range(2):
        f.write("#! FIELDS time d1 phi metad.bias\n#! SET min_phi -pi\n#! SET max_phi pi\n")
        for t in range(1500):
            a = 0.95 * a + 0.3 * rng.standard_normal()
            b = 0.9 * b + 0.3 * rng.standard_normal()
            f.write("%.3f %.6f %.6f %.4f\n" % (0.1 * t, a + 0.2 * b * b, math.atan2(b, 1.0 + a * a), 0.5 * a))
# Trained as the README's loop does: named features and the bias column as weights.
run("train", "-i", colvar, "--features", "d1,phi", "--weights-column", "metad.bias", "--weights-kind", "bias",
    "--kT", "2.5", "--epochs", "2", "--prior-refit-steps", "10", "-q", "-o", os.path.join(scratch, "run"))
model = os.path.join(scratch, "run", "model.pt")
cv = os.path.join(scratch, "cv.pt")
out = run("export", "-m", model, "-o", cv)
assert "ARG=d1,phi" in out, out
z_path = os.path.join(scratch, "z.npy")
run("encode", "-m", model, "-i", colvar, "-o", z_path, "--float64")

m = torch.jit.load(cv)
assert list(m.feature_names) == ["d1", "phi"], m.feature_names
rows = [l.split() for l in open(colvar) if l.strip() and not l.startswith("#")]
x = np.array([[float(r[1]), float(r[2])] for r in rows], dtype=np.float32)
z = np.load(z_path)
zt = m(torch.from_numpy(x)).detach().numpy()
err = np.abs(zt - z) / np.maximum(1.0, np.abs(z))
print("frames %d, max |torch.jit.load - dynae encode| (relative above 1) = %.3g" % (len(x), err.max()))
assert zt.shape == z.shape and err.max() <= 1e-5, err.max()

xi = torch.from_numpy(x[:64]).clone().requires_grad_(True)
y = m(xi)
for k in range(y.shape[1]):
    (g,) = torch.autograd.grad(y[:, k].sum(), xi, retain_graph=True)
    assert torch.isfinite(g).all() and g.abs().sum() > 0, g
print("input gradients finite and non-zero")
