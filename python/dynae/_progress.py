"""Progress of a fit: a bar in a terminal or a notebook, or a callback.

Training calls the progress object with event dicts: ``{"event": "step",
"epoch", "step", "steps"}`` (at most ten a second), ``{"event": "epoch", ...}``
(the epoch's report: losses, seconds, elapsed) and ``{"event": "note",
"message"}``. Warnings go through Python's ``warnings`` module.
"""

import sys


class ProgressBar:
    """One line per epoch and a bar within it: tqdm's (terminal and Jupyter)
    where tqdm is installed, else a plain text bar on stderr."""

    def __init__(self, file=None):
        self.file = file if file is not None else sys.stderr
        self._bar = None
        self._epoch = None
        # The bar within an epoch where someone watches it: a terminal or a
        # notebook; a log file gets the epoch lines only.
        isatty = getattr(self.file, "isatty", None)
        self._live = bool(isatty and isatty()) or "ipykernel" in sys.modules
        try:
            from tqdm.auto import tqdm  # noqa: F401
            self._tqdm = tqdm
        except Exception:  # tqdm absent or broken: the text bar
            self._tqdm = None

    def __call__(self, event):
        kind = event["event"]
        if kind == "step":
            self._step(event)
        elif kind == "epoch":
            self._close()
            self._write(_epoch_line(event))
        elif kind == "note":
            self._close()
            self._write(event["message"])

    def _step(self, e):
        if not self._live:
            return
        if self._tqdm is not None:
            if self._epoch != e["epoch"]:
                self._close()
                self._bar = self._tqdm(total=e["steps"], desc=f"epoch {e['epoch'] + 1}", leave=False, file=self.file)
                self._epoch = e["epoch"]
            self._bar.n = e["step"]
            self._bar.refresh()
            return
        self._epoch = e["epoch"]
        width = 30
        filled = int(width * e["step"] / max(1, e["steps"]))
        self.file.write(f"\repoch {e['epoch'] + 1} [{'#' * filled}{'.' * (width - filled)}] {e['step']}/{e['steps']}")
        self.file.flush()
        self._bar = True

    def _close(self):
        if self._bar is None:
            return
        if self._tqdm is not None:
            self._bar.close()
        else:
            self.file.write("\r" + " " * 60 + "\r")
        self._bar = None
        self._epoch = None

    def _write(self, line):
        self.file.write(line + "\n")
        self.file.flush()

    def close(self):
        self._close()


def _epoch_line(e):
    t, v = e["train"], e["test"]
    return (f"epoch {e['epoch'] + 1}/{e['epochs']}: train {t['total']:.5g} (recon {t['reconstruction']:.4g}, "
            f"reg {t['regularization']:.4g}, prior {t['prior']:.4g}), test {v['total']:.5g}, {e['seconds']:.1f} s")


def make_progress(progress):
    """progress=True: a bar; False/None: silent; a callable: called with each event dict."""
    if progress is True:
        return ProgressBar()
    if progress is False or progress is None:
        return None
    if callable(progress):
        return progress
    raise ValueError(f"progress: expected True, False or a callable taking an event dict, got {progress!r}")
