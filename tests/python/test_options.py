"""Every keyword comes from the options table, is accepted at its default,
validated, and documented."""

import pydoc

import numpy as np
import pytest

import dynae


def test_every_keyword_is_accepted_at_its_default():
    for row in dynae.OPTIONS:
        if row["keyword"] == "model":
            continue
        est = dynae.DynAE(**{row["keyword"]: row["default"]})
        assert est.get_params()[row["keyword"]] == row["default"], row["keyword"]


def test_defaults_are_the_command_lines():
    p = dynae.DynAE().get_params()
    assert p["d"] == 2 and p["beta"] == 10.0 and p["epochs"] == 50 and p["batch_size"] == 256
    assert p["seed"] == 0 and p["lag"] == 1 and p["encoder_hidden"] == 32
    ini = dynae.DynAE(beta=5, seed=3).config_ini()
    assert "beta = [5]" in ini or "beta = 5" in ini
    assert "seed = 3" in ini or "seed = [3]" in ini


def test_no_file_option_is_a_keyword():
    keywords = {r["keyword"] for r in dynae.OPTIONS}
    for files_only in ("input_data", "target_data", "features", "weights", "map_inputs", "save_traj_results"):
        assert files_only not in keywords
    for training in ("seed", "epochs", "lag", "batch_size", "threads", "starts", "weights_kind", "kT"):
        assert training in keywords


@pytest.mark.parametrize("row", [r for r in dynae.OPTIONS if r["type"] in ("int", "float") and r["keyword"] != "model"],
                         ids=lambda r: r["keyword"])
def test_out_of_range_and_malformed_numbers_raise_naming_the_keyword(row):
    with pytest.raises(ValueError, match=row["key"] + "|" + row["keyword"]):
        dynae.DynAE(**{row["keyword"]: "not-a-number"})
    bad = row["min"] - 1 if np.isfinite(row["min"]) else (row["max"] + 1 if np.isfinite(row["max"]) else None)
    if bad is not None:
        with pytest.raises(ValueError, match="invalid|expected"):
            dynae.DynAE(**{row["keyword"]: bad})


@pytest.mark.parametrize("row", [r for r in dynae.OPTIONS if r["choices"] and r["keyword"] != "model"],
                         ids=lambda r: r["keyword"])
def test_a_value_outside_the_choices_raises(row):
    with pytest.raises(ValueError, match="expected"):
        dynae.DynAE(**{row["keyword"]: "no-such-choice"})


def test_unknown_keywords_lists_and_the_model_keyword_raise():
    with pytest.raises(ValueError, match="unknown keyword 'bta'"):
        dynae.DynAE(bta=1)
    with pytest.raises(ValueError, match="one value"):
        dynae.DynAE(seed=[0, 1])
    with pytest.raises(ValueError, match="own class"):
        dynae.DynAE(model="vae")
    est = dynae.DynAE()
    with pytest.raises(ValueError):
        est.set_params(lr=-1)
    assert est.get_params()["lr"] == 0.001  # a refused change leaves the estimator as it was


def test_numpy_scalars_and_bools_are_values():
    est = dynae.DynAE(d=np.int64(3), beta=np.float32(2.5), learn_diffusion=True)
    assert est.d == 3 and est.beta == 2.5 and est.learn_diffusion is True


def test_every_model_kind_has_its_class():
    for name in ("DynAE", "VAE", "SWAE", "SDEVAE", "TAE", "TICA"):
        cls = getattr(dynae, name)
        assert issubclass(cls, dynae.Estimator)
        assert "model" not in cls().get_params()


def test_help_shows_every_option_with_its_default():
    text = pydoc.render_doc(dynae.DynAE, renderer=pydoc.plaintext)
    for row in dynae.OPTIONS:
        if row["keyword"] == "model":
            continue
        assert f"{row['keyword']} : {row['type']}, default {row['default']!r}" in text, row["keyword"]
        assert f"{row['keyword']}: {row['type']} = {row['default']!r}" in text, row["keyword"]
