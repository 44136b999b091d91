"""fit from Python is `dynae train`: the same latents bit for bit, the same
model.pt both ways, and the identifiability bars on the bundled data."""

import pickle

import numpy as np
import pytest

import dynae
from conftest import DATA, run_cli

EPOCHS = 50  # the default


@pytest.fixture(scope="module")
def fitted(bundled):
    x, _ = bundled
    events = []
    est = dynae.DynAE(seed=0).fit(x, progress=events.append)
    return est, events


def test_latents_are_the_command_lines_bit_for_bit(bundled, cli, tmp_path):
    # The same options through both doors: every default but a short training on the first 50 000
    # frames (the 50-epoch run's bits on all of them are compared by bench/python_fit.py; its bars
    # below)
    x = np.ascontiguousarray(bundled[0][:50000])
    np.save(tmp_path / "x50k.npy", x)
    est = dynae.DynAE(seed=0, epochs=6).fit(x, progress=False)
    run_cli(cli, "train", "--input", tmp_path / "x50k.npy", "--seed", 0, "--epochs", 6,
            "--out", tmp_path / "run", "--quiet")
    cli_latent = np.load(tmp_path / "run" / "latent_traj0.npy")  # float32, as the CLI writes it
    z = est.transform(x)
    assert z.dtype == np.float64 and z.shape == (x.shape[0], 2)
    assert np.array_equal(z.astype(np.float32), cli_latent)
    assert np.array_equal(z.astype(np.float32).astype(np.float64), z)  # the model computes in float32
    # model.pt both ways: the CLI's loads here and encodes identically, ours in the CLI
    assert np.array_equal(dynae.load(tmp_path / "run" / "model.pt").encode(x), z)
    est.save(tmp_path / "py_model.pt")
    np.save(tmp_path / "x.npy", x[:5000])
    run_cli(cli, "encode", "--model", tmp_path / "py_model.pt", "--input", tmp_path / "x.npy", "--output",
            tmp_path / "z.npy")
    assert np.array_equal(np.load(tmp_path / "z.npy"), est.transform(x[:5000]).astype(np.float32))


def test_the_fit_meets_the_identifiability_bars(fitted, bundled):
    est, _ = fitted
    x, truth = bundled
    m = dynae.metrics.compare(truth, est.transform(x))
    assert m.r2 >= 0.995 and m.disparity <= 0.01 and m.anisotropy <= 1.15, m


def test_history_progress_events_and_quality(fitted):
    est, events = fitted
    assert [h["epoch"] for h in est.history_] == list(range(EPOCHS))
    assert all(np.isfinite(h["test"]["total"]) for h in est.history_)
    epochs = [e for e in events if e["event"] == "epoch"]
    assert [e["epoch"] for e in epochs] == list(range(EPOCHS))
    assert any(e["event"] == "step" for e in events)
    assert any(e["event"] == "note" and "quality figure" in e["message"] for e in events)
    q = est.model_.quality
    assert q["measured"] and q["timescale"] > 0


def test_pickle_and_bytes_round_trip(fitted, bundled):
    est, _ = fitted
    x, _ = bundled
    again = pickle.loads(pickle.dumps(est.model_))
    assert np.array_equal(again.encode(x[:1000]), est.transform(x[:1000]))
    assert again.options == est.model_.options and again.options["d"] == 2


def test_list_of_trajectories_float32_and_seeds(bundled):
    x, _ = bundled
    parts = [x[:20000].astype(np.float32), x[20000:40000].astype(np.float32)]
    a = dynae.VAE(seed=1, epochs=1).fit(parts, progress=False)
    b = dynae.VAE(seed=1, epochs=1).fit([p.astype(np.float64) for p in parts], progress=False)
    za, zb = a.transform(parts), b.transform(parts)
    assert isinstance(za, list) and len(za) == 2
    assert np.array_equal(za[0], zb[0]) and np.array_equal(za[1], zb[1])  # float32 widened exactly
    c = dynae.VAE(seed=2, epochs=1).fit(parts, progress=False)
    assert not np.array_equal(c.transform(parts[0]), za[0])


def test_tica_targets_and_weights(bundled):
    x, _ = bundled
    tica = dynae.TICA(d=2, lag=10).fit(x[:50000], progress=False)
    ev = tica.model_.eigenvalues
    assert ev.shape == (2,) and np.all(np.diff(ev) <= 0) and 0 < ev[0] < 1
    with pytest.raises(ValueError, match="weights"):
        dynae.TAE(epochs=1).fit(x[:10000], weights=np.ones(9999), progress=False)
    with pytest.raises(ValueError, match="negative|>= 0"):
        dynae.TAE(epochs=1).fit(x[:10000], weights=-np.ones(10000), progress=False)
    w = dynae.TAE(epochs=1, seed=0).fit(x[:10000], weights=np.ones(10000), progress=False)
    u = dynae.TAE(epochs=1, seed=0).fit(x[:10000], progress=False)
    assert np.all(np.isfinite(w.transform(x[:100])))
    assert u.transform(x[:100]).shape == (100, 2)
    with pytest.raises(ValueError, match="without any weights|weights"):
        dynae.TAE(epochs=1, weights_kind="bias", kT=2.5).fit(x[:10000], progress=False)
    t = dynae.TAE(epochs=1).fit(x[:10000], targets=x[:10000, :1].copy(), progress=False)
    assert t.decode(t.transform(x[:7])).shape == (7, 1)


def test_fit_releases_the_interpreter_lock(bundled):
    import threading
    x, _ = bundled
    ticks = []
    done = threading.Event()

    def count():
        while not done.is_set():
            ticks.append(1)  # pure Python: runs only while fit does not hold the lock
            done.wait(0.001)

    t = threading.Thread(target=count)
    t.start()
    try:
        est = dynae.TAE(epochs=3, seed=0).fit(x[:100000], progress=False)
    finally:
        done.set()
        t.join()
    assert est.model_ is not None
    # ~1 per ms over the fit's second or so; with the lock held only the
    # fit's own signal checks (every 20 ms) would let the counter run
    assert len(ticks) > 200, len(ticks)
