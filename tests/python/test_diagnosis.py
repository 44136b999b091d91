"""What a run could not identify: kappa (relaxation per lag) against known
curvature x lag, and a flag exactly where the wells relax within one lag."""

import subprocess

import numpy as np
import pytest

import dynae


@pytest.mark.parametrize("stride", [10, 50])
def test_kappa_of_a_harmonic_well_is_curvature_times_lag(stride):
    k, dt = 1.0, 0.01
    x = dynae.simulate("harmonic", dim=1, steps=20000 * stride, stride=stride, dt=dt, parameters={"k": k}, seed=1)
    model = dynae.DynAE(d=1, epochs=6, seed=0).fit(x, progress=False).model_
    d = model.identifiability
    assert d["kappa"][0] == pytest.approx(k * dt * stride, rel=0.10), d["text"]
    assert d["kappa_first_half"][0] == pytest.approx(d["kappa_second_half"][0], rel=0.15)
    assert d["flagged"] == []


def test_mueller_brown_is_flagged_at_a_coarse_lag_not_at_a_fine_one(cli, tmp_path):
    coarse = dynae.simulate("mueller_brown", steps=400000, stride=10, seed=1)  # curvature x lag ~ 2-4 in the wells
    with pytest.warns(RuntimeWarning, match="relaxes within one lag"):
        model = dynae.DynAE(d=2, epochs=5, seed=0).fit(coarse, progress=False).model_
    d = model.identifiability
    assert d["flagged"] == [0] and d["kappa"][0] > 1 and d["kappa"][1] < 1, d["text"]
    assert "direction(s) 0 relax within one lag" in d["text"] and "--lag" in d["text"]
    model.save(str(tmp_path / "model.pt"))
    r = subprocess.run([cli, "diagnose", str(tmp_path / "model.pt")], capture_output=True, text=True)
    assert r.returncode == 3, r.stdout + r.stderr
    assert "warning: direction(s) 0" in r.stdout
    fine = dynae.simulate("mueller_brown", steps=40000, stride=1, seed=1)
    d = dynae.DynAE(d=2, epochs=5, seed=0).fit(fine, progress=False).model_.identifiability
    assert d["flagged"] == [] and max(d["kappa"]) < 1, d["text"]


def test_models_without_dynamics_have_no_diagnosis(cli, tmp_path):
    rng = np.random.default_rng(0)
    est = dynae.TAE(epochs=1).fit(np.cumsum(rng.normal(size=(3000, 2)), axis=0), progress=False)
    assert est.model_.identifiability is None
    est.save(tmp_path / "m.pt")
    r = subprocess.run([cli, "diagnose", str(tmp_path / "m.pt")], capture_output=True, text=True)
    assert r.returncode == 2 and "no learned latent dynamics" in r.stderr


def test_dynae_align_writes_its_table_and_consensus(cli, tmp_path):
    rng = np.random.default_rng(2)
    z = np.cumsum(rng.normal(size=(3000, 2)), axis=0)
    c, s = np.cos(0.3), np.sin(0.3)
    np.save(tmp_path / "a.npy", z)
    np.save(tmp_path / "b.npy", -2 * z @ np.array([[c, -s], [s, c]]) + 4)
    np.save(tmp_path / "c.npy", rng.normal(size=(3000, 2)))
    r = subprocess.run([cli, "align", str(tmp_path / "a.npy"), str(tmp_path / "b.npy"), str(tmp_path / "c.npy"),
                        "--groups", "x,x,y", "--out", str(tmp_path / "al")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    rows = (tmp_path / "al" / "align.csv").read_text().splitlines()
    assert rows[0] == "a,b,disparity,cka,knn_overlap" and len(rows) == 4
    ab = rows[1].split(",")
    assert float(ab[2]) < 1e-9 and float(ab[3]) > 1 - 1e-9
    assert "within x: worst disparity 0" in r.stdout and "between groups" in r.stdout
    consensus = np.load(tmp_path / "al" / "consensus_latent.npy")
    assert consensus.shape == (3000, 2) and (tmp_path / "al" / "align.png").stat().st_size > 1000
    again = subprocess.run([cli, "align", str(tmp_path / "a.npy"), str(tmp_path / "b.npy"), "--out",
                            str(tmp_path / "al")], capture_output=True, text=True)
    assert again.returncode == 2 and "overwrite" in again.stderr  # a finished alignment is not replaced unasked
    np.save(tmp_path / "short.npy", z[:100])
    bad = subprocess.run([cli, "align", str(tmp_path / "a.npy"), str(tmp_path / "short.npy"), "--out",
                          str(tmp_path / "al2")], capture_output=True, text=True)
    assert bad.returncode == 1 and "frames" in bad.stderr
