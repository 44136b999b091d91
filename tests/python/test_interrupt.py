"""Ctrl-C during fit raises KeyboardInterrupt promptly."""

import os
import pathlib
import signal
import subprocess
import sys
import textwrap
import time

SCRIPT = textwrap.dedent("""
    import sys, numpy as np, dynae
    rng = np.random.default_rng(0)
    x = np.cumsum(rng.normal(size=(100000, 2)), axis=0) * 0.05
    def progress(event):
        if event["event"] == "step" and event["epoch"] >= 1:
            print("training", flush=True)
    try:
        dynae.DynAE(epochs=1000, warm_start="none").fit(x, progress=progress)
    except KeyboardInterrupt as e:
        print("KeyboardInterrupt:", e, flush=True)
        sys.exit(3)
    print("finished", flush=True)
""")


def test_sigint_during_fit_raises_keyboard_interrupt_within_2_s():
    env = dict(os.environ)
    p = subprocess.Popen([sys.executable, "-c", SCRIPT], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=env)
    try:
        line = p.stdout.readline()
        assert line.strip() == "training", (line, p.stderr.read())
        t0 = time.monotonic()
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
        seconds = time.monotonic() - t0
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 3, (out, err)
    assert "KeyboardInterrupt" in out
    assert seconds < 2.0, seconds
