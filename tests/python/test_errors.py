"""Bad arrays, files and models raise Python exceptions with the library's
messages; nothing crashes the interpreter."""

import numpy as np
import pytest

import dynae


def good(n=3000):
    rng = np.random.default_rng(0)
    return np.cumsum(rng.normal(size=(n, 2)), axis=0) * 0.1


@pytest.mark.parametrize("data, message", [
    (np.full((3000, 2), np.nan), "NaN|finite"),
    (np.arange(3000.0), "one feature per frame"),
    (np.zeros(()), "frames first"),
    (np.zeros((1, 2)), "frame|pair|lag"),
    (np.array([[object(), 1.0]] * 100, dtype=object), "dtype object"),
    (np.zeros((2, 3000)).T, "C-contiguous"),
    (np.zeros((3000, 2), dtype=np.int64), "dtype int64"),
    ([], "empty list"),
    ("no array", "dtype <U|float32 or float64"),
])
def test_bad_arrays_raise_value_error(data, message):
    with pytest.raises(ValueError, match=message):
        dynae.DynAE(epochs=1).fit(data, progress=False)


def test_nan_names_the_frame_and_the_trajectory():
    x = good()
    x[1234, 1] = np.inf
    with pytest.raises(ValueError, match=r"data\[1\].*1234"):
        dynae.DynAE(epochs=1).fit([good(), x], progress=False)


def test_constant_data_and_mismatched_targets():
    with pytest.raises(ValueError, match="constant"):
        dynae.DynAE(epochs=1).fit(np.ones((3000, 2)), progress=False)
    with pytest.raises(ValueError, match="targets"):
        dynae.DynAE(epochs=1).fit([good(), good()], targets=[good()], progress=False)
    with pytest.raises(ValueError, match="frames"):
        dynae.DynAE(epochs=1).fit(good(), targets=good(2999), progress=False)


def test_encode_checks_its_input():
    est = dynae.TICA(d=1).fit(good(), progress=False)
    with pytest.raises(ValueError, match="NaN|finite"):
        est.transform(np.full((5, 2), np.nan))
    with pytest.raises(ValueError, match="feature|shape|2"):
        est.transform(np.zeros((5, 3)))
    with pytest.raises(ValueError, match="not fitted"):
        dynae.DynAE().transform(good())


def test_missing_damaged_and_foreign_model_files(tmp_path):
    with pytest.raises(FileNotFoundError):
        dynae.load(tmp_path / "absent.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a model at all")
    with pytest.raises(dynae.CheckpointError, match="junk.pt"):
        dynae.load(tmp_path / "junk.pt")
    est = dynae.TICA(d=1).fit(good(), progress=False)
    est.save(tmp_path / "m.pt")
    raw = bytearray((tmp_path / "m.pt").read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    (tmp_path / "bad.pt").write_bytes(bytes(raw))
    with pytest.raises(dynae.CheckpointError):
        dynae.load(tmp_path / "bad.pt")
    assert issubclass(dynae.CheckpointError, dynae.Error)
    with pytest.raises(FileNotFoundError):
        dynae.read_colvar(tmp_path / "absent.colvar")


def test_errors_in_the_progress_callback_stop_the_fit():
    def boom(event):
        if event["event"] == "epoch":
            raise RuntimeError("from the callback")
    with pytest.raises(RuntimeError, match="from the callback"):
        dynae.DynAE(epochs=3).fit(good(), progress=boom)
    with pytest.raises(ValueError, match="progress"):
        dynae.DynAE(epochs=1).fit(good(), progress="yes")
