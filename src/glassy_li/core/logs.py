"""Logging for the workflow's scripts: everything a step prints goes to its rule's log."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path


@contextlib.contextmanager
def redirect_to_log(path: str | Path) -> Iterator[Callable[[str], None]]:
    """Send stdout/stderr to ``path`` (appending) and yield a timestamped ``log(msg)``.

    An exception is written to the log with its traceback before it propagates, so the
    rule's log always says why a job failed.
    """
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", buffering=1) as handle:
        old_out, old_err = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = handle

        def log(message: str) -> None:
            handle.write(f"[{time.strftime('%Y-%m-%d %H:%M:%S')}] {message}\n")

        try:
            yield log
        except BaseException:
            import traceback  # noqa: PLC0415

            traceback.print_exc(file=handle)
            raise
        finally:
            sys.stdout, sys.stderr = old_out, old_err
