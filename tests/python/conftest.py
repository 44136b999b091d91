"""Shared fixtures of the Python package's tests (run by CTest: see
tests/CMakeLists.txt, which puts <build>/python on PYTHONPATH and names the CLI)."""

import os
import pathlib
import subprocess

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "examples" / "data"


@pytest.fixture(scope="session")
def cli():
    path = os.environ.get("DYNAE_CLI")
    if not path:
        pytest.fail("DYNAE_CLI is not set (the dynae program; CTest sets it)")
    return path


@pytest.fixture(scope="session")
def bundled():
    """The bundled warped three-state trajectory and its ground truth."""
    x = np.load(DATA / "three_state_transformed_traj_data200k.npy")
    truth = np.load(DATA / "three_state_traj_data200k.npy")
    return x, truth


def run_cli(cli, *args):
    r = subprocess.run([cli, *map(str, args)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r
