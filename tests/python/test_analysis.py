"""Landscape, kinetics, metrics, simulators and the COLVAR reader: known
answers, and the command line's numbers where it computes the same thing."""

import numpy as np
import pytest

import dynae
from conftest import run_cli


def two_state_chain(p=0.02, n=200000, seed=0):
    rng = np.random.default_rng(seed)
    flips = rng.random(n) < p
    return (np.cumsum(flips) % 2).astype(np.int64)


def test_implied_timescales_of_a_two_state_chain():
    s = two_state_chain()
    truth = -1.0 / np.log(1 - 2 * 0.02)  # 24.5 frames at every lag
    rows = dynae.kinetics.its(s, lags=[1, 5], processes=1)
    assert [r.lag for r in rows] == [1, 5]
    for r in rows:
        assert r.timescales[0] == pytest.approx(truth, rel=0.05)
    boot = dynae.kinetics.its([s[:100000], s[100000:]], lags=[2], processes=1, bootstrap=20, seed=1)[0]
    assert boot.lower[0] <= boot.timescales[0] <= boot.upper[0] and boot.lower[0] < boot.upper[0]
    msm = dynae.kinetics.msm(s, lag=1)
    assert msm.transition == pytest.approx(np.array([[0.98, 0.02], [0.02, 0.98]]), abs=0.003)
    assert msm.stationary == pytest.approx([0.5, 0.5], abs=0.02)
    ck = dynae.kinetics.ck_test(s, lag=5, steps=4)
    assert ck.predicted.shape == (4, 2, 2) and ck.max_deviation < 0.02
    with pytest.raises(ValueError, match="integer"):
        dynae.kinetics.its(s.astype(float))
    with pytest.raises(ValueError, match=">= 0"):
        dynae.kinetics.its(s - 1)


def test_vamp2_of_an_ar1_process():
    rng = np.random.default_rng(3)
    a, n = 0.9, 200000
    x = np.zeros(n)
    noise = rng.normal(size=n)
    for t in range(1, n):
        x[t] = a * x[t - 1] + noise[t]
    r = dynae.kinetics.vamp2(x[:, None], lag=1, test=x[:, None])
    assert r.score == pytest.approx(1 + a * a, abs=0.01)
    assert r.test_score == pytest.approx(r.score, abs=1e-9)


def test_metrics_of_a_rotated_scaled_shifted_copy():
    rng = np.random.default_rng(1)
    truth = rng.normal(size=(5000, 2))
    c, s = np.cos(0.7), np.sin(0.7)
    latent = 3.0 * truth @ np.array([[c, -s], [s, c]]) + np.array([1.0, -2.0])
    m = dynae.metrics.compare(truth, latent)
    assert m.r2 == pytest.approx(1, abs=1e-12) and m.disparity == pytest.approx(0, abs=1e-12)
    assert m.anisotropy == pytest.approx(1, abs=1e-9) and m.scale == pytest.approx(3, rel=1e-9)
    warped = latent * np.array([1.0, 2.0])
    assert dynae.metrics.procrustes(truth, warped) > 0.05
    assert dynae.metrics.anisotropy(truth, warped) == pytest.approx(2, rel=1e-6)
    with pytest.raises(ValueError, match="frame"):
        dynae.metrics.compare(truth, latent[:-1])


def test_simulate_is_the_command_lines_and_reproducible(cli, tmp_path):
    a = dynae.simulate("mueller_brown", steps=2000, seed=4)
    assert a.shape == (200, 2)  # stride 10
    run_cli(cli, "simulate", "--system", "mueller_brown", "--steps", 2000, "--seed", 4, "--out-truth", tmp_path / "t.npy")
    assert np.array_equal(a, np.load(tmp_path / "t.npy"))  # the CLI writes the truth in float64
    assert np.array_equal(a, dynae.simulate("mueller_brown", steps=2000, seed=4))
    assert not np.array_equal(a, dynae.simulate("mueller_brown", steps=2000, seed=5))
    several = dynae.simulate("double_well_1d", steps=1000, trajectories=3, kT=1.0)
    assert len(several) == 3 and several[0].shape == (1000, 1)
    h = dynae.simulate("harmonic", dim=3, steps=500, parameters={"k": 2.0})
    assert h.shape == (500, 3)
    assert any(s.name == "mueller_brown" for s in dynae.systems())
    with pytest.raises(ValueError, match="no_such|known"):
        dynae.simulate("no_such_system")
    with pytest.raises(ValueError, match="parameter|unknown"):
        dynae.simulate("mueller_brown", steps=10, parameters={"nope": 1.0})
    with pytest.raises(ValueError, match="dt"):
        dynae.simulate("mueller_brown", steps=10, dt=-1.0)


def test_transformation_sequences_are_the_command_lines(cli, tmp_path):
    r = dynae.simulate("transformations", steps=300, seed=2, trajectories=2, parameters={"rotate": 0.0})
    assert len(r.pose) == 2 and r.pose[0].shape == (300, 4) and r.moves[1].shape == (299, 2)
    assert r.movie[0].shape == (300, 1, 32, 32) and r.primitives[2] == "rotate"
    assert not np.any(r.moves[0][:, 0] == 2)  # rotate left out
    run_cli(cli, "simulate", "--system", "transformations", "--steps", 300, "--seed", 2, "--trajectories", 2,
            "--param", "rotate=0", "--out-truth", tmp_path / "p.npy", "--out-moves", tmp_path / "m.npy",
            "--out-obs", tmp_path / "movie.npy")
    assert np.array_equal(r.pose[1], np.load(tmp_path / "p_1.npy"))
    assert np.array_equal(r.moves[0], np.load(tmp_path / "m_0.npy"))
    assert np.array_equal(r.movie[1].astype(np.float32), np.load(tmp_path / "movie_1.npy"))
    with pytest.raises(ValueError, match="kT|takes steps"):
        dynae.simulate("transformations", steps=10, kT=2.0)


def test_landscape_and_generated_dynamics(bundled, cli, tmp_path):
    x, _ = bundled
    est = dynae.DynAE(seed=0, epochs=2).fit(x[:40000], progress=False)
    land = dynae.landscape(est.model_, x[:40000])
    assert land.free_energy.shape == (64, 64) and land.counts.sum() == 40000
    assert land.populations.sum() == pytest.approx(1, abs=1e-9) and len(land.populations) >= 2
    assert land.force.shape == (64, 64, 2) and land.latent.shape == (40000, 2)
    est.save(tmp_path / "m.pt")
    np.save(tmp_path / "x.npy", x[:40000])
    run_cli(cli, "landscape", "--model", tmp_path / "m.pt", "--input", tmp_path / "x.npy", "--out", tmp_path / "l")
    assert np.array_equal(np.load(tmp_path / "l" / "counts.npy"), land.counts.astype(np.load(tmp_path / "l" / "counts.npy").dtype))
    z = dynae.generate(est.model_, land.centers, steps=50, seed=2)
    assert z.shape == (51, len(land.centers), 2) and np.allclose(z[0], land.centers, rtol=1e-6)
    assert np.array_equal(z, dynae.generate(est.model_, land.centers, steps=50, seed=2))
    states = dynae.kinetics.discretise(land.latent, 3, seed=0)
    assert len(states) == 1 and states[0].shape == (40000,) and set(np.unique(states[0])) == {0, 1, 2}


def test_read_colvar_blocks_names_and_weights(tmp_path):
    text = "#! FIELDS time d1 d2 opes.bias w\n"
    rows = [f"{t} {0.1 * t} {0.2 * t} 0.5 {1 + t % 2}\n" for t in range(6)]
    path = tmp_path / "COLVAR"
    path.write_text(text + "".join(rows[:4]) + text + "".join(rows[4:]))
    c = dynae.read_colvar(path, weights_column="w")
    assert c.names == ["d1", "d2"] and len(c.trajectories) == 2
    assert c.trajectories[0].shape == (4, 2) and c.trajectories[1][1, 1] == pytest.approx(1.0)
    assert c.weights[0].tolist() == [1, 2, 1, 2]
    only = dynae.read_colvar(path, features="d2")
    assert only.names == ["d2"] and only.weights is None
    with pytest.raises(ValueError, match="zz"):
        dynae.read_colvar(path, features=["zz"])


@pytest.mark.skipif(not dynae._dynae.openmm_available(), reason="built without OpenMM")
def test_alanine_dipeptide_through_openmm(cli, tmp_path):
    r = dynae.simulate("alanine_dipeptide", steps=200, stride=10, seed=3)
    assert r.phi_psi.shape == (20, 2) and r.features.shape == (20, 45) and len(r.feature_names) == 45
    assert r.positions.shape == (20, 22, 3) and np.all(np.abs(r.phi_psi) <= np.pi)
    run_cli(cli, "simulate", "--system", "alanine_dipeptide", "--steps", 200, "--stride", 10, "--seed", 3,
            "--out-truth", tmp_path / "t.npy")
    assert np.array_equal(r.phi_psi, np.load(tmp_path / "t.npy"))
    with pytest.raises(ValueError, match="molecule"):
        dynae.simulate("alanine_dipeptide", steps=10, kT=1.0)


def test_sta_through_python_matches_the_library_and_checks_its_inputs():
    r = dynae.simulate("transformations", steps=400, seed=3, frame_size=16)
    movie = r.movie.reshape(len(r.movie), -1)
    est = dynae.STA(d=3, epochs=2, batch_size=64, beta=0.01, seed=1).fit(movie, progress=False)
    m = est.model_
    assert m.name == "sta" and m.flow_field_count == 4
    t = dynae.transformations(m, movie, lag=1, labels=r.moves[:, 0])
    speeds = t.speeds[0]
    assert speeds.shape == (399, 4)
    assert sum(t.field_share) == pytest.approx(1.0)
    raw = m.transition_speeds(movie[:-1], movie[1:])
    assert speeds == pytest.approx(raw * np.asarray(t.field_scale), rel=1e-9, abs=1e-12)
    assert t.field_scale == pytest.approx([1.0] * 4, abs=1e-3)  # normalised on its training frames
    assert sorted(c["label"] for c in t.primitive_carry) == [0, 1, 2, 3]
    assert all(0.25 <= c["share"] <= 1.0 for c in t.primitive_carry)
    # the next-frame error of the fields' prediction, by hand
    z = m.encode(movie[:-1])
    pred = m.decode(m.transport(z, raw))
    assert t.next_frame_mse == pytest.approx(np.mean((pred.reshape(399, -1) - movie[1:]) ** 2), rel=1e-6)
    kl = m.speed_kl(movie[:-1], movie[1:])
    assert kl.shape == (399,) and np.all(kl > 0)
    assert t.next_frame_elbo == pytest.approx(t.next_frame_log_likelihood - kl.mean() / 256, rel=1e-9)
    assert m.flow_fields(z[:5]).shape == (5, 4, 3)
    with pytest.raises(ValueError):
        m.transport(z, raw[:, :3])
    vae = dynae.VAE(d=3, epochs=1, batch_size=64, seed=1).fit(movie, progress=False).model_
    assert vae.flow_field_count == 0
    v = dynae.transformations(vae, movie)
    assert "speeds" not in v and v.next_frame_relative_error > 0
    assert v.next_frame_kl == pytest.approx(vae.posterior_kl(movie[1:]).mean(), rel=1e-9)
    with pytest.raises(dynae.Error):
        vae.transition_speeds(movie[:-1], movie[1:])
