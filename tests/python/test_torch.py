"""dynae beside PyTorch (both on Debian's LibTorch), in either import order,
and tensors crossing without a copy."""

import subprocess
import sys

import pytest

CODE = """
import numpy as np
{first}
{second}
x = torch.from_numpy(np.cumsum(np.random.default_rng(0).normal(size=(4000, 3)), axis=0) * 0.1)
est = dynae.TICA(d=2, lag=5).fit(x, progress=False)
z = est.transform(x)
assert np.array_equal(z, est.transform(x.numpy())), "tensor and array encode alike"
t = torch.from_numpy(z)
assert np.shares_memory(t.numpy(), z)
assert np.array_equal(est.transform(x.requires_grad_(True)), z)
xf = x.detach().float()
assert np.array_equal(est.transform(xf), est.transform(xf.numpy()))
print("ok", torch.__version__)
"""


@pytest.mark.parametrize("order", ["torch first", "dynae first"])
def test_import_torch_and_dynae_together(order):
    pytest.importorskip("torch")
    first, second = "import torch", "import dynae"
    if order == "dynae first":
        first, second = second, first
    r = subprocess.run([sys.executable, "-c", CODE.format(first=first, second=second)], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("ok")


@pytest.mark.parametrize("activation", ["silu", "elu", "tanh"])
def test_exported_encoder_of_each_activation_matches_encode(activation, tmp_path):
    torch = pytest.importorskip("torch")
    import numpy as np
    import dynae
    rng = np.random.default_rng(1)
    x = np.cumsum(rng.normal(size=(4000, 3)), axis=0) * 0.05
    est = dynae.DynAE(activation=activation, encoder_layers=2, decoder_layers=1, encoder_hidden=8, epochs=1,
                      starts=1, prior_refit_steps=10).fit(x, progress=False)
    info = est.export_torchscript(tmp_path / "enc.pt")
    module = torch.jit.load(str(tmp_path / "enc.pt"))
    with torch.no_grad():
        z = module(torch.from_numpy(x[:500]).float()).double().numpy()
    assert info["inputs"] == 3 and np.allclose(z, est.transform(x[:500]), rtol=1e-4, atol=1e-5)
