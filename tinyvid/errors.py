"""The one error root of tinyvid.

Every error a user can cause is a :class:`TinyvidError` (or a subclass) carrying a
one-line message and a hint saying what to do. The CLI prints both and exits with
:data:`EXIT_ERROR`; a regression found by the harness exits with
:data:`EXIT_REGRESSION`. A traceback is shown only with ``--traceback``.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_REGRESSION = 1
EXIT_ERROR = 2


class TinyvidError(Exception):
    """Base of every error tinyvid reports to a user."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class DataError(TinyvidError):
    """A data set is missing, empty, unreadable or inconsistent."""


class ModelError(TinyvidError):
    """A model cannot be read, converted, trained or compressed."""


class UnsupportedModelError(ModelError):
    """A model uses an operator or tensor type that tinyvid cannot generate code for."""


class BoardError(TinyvidError):
    """A board file is invalid or a board is unknown."""


class ProjectError(TinyvidError):
    """A firmware project cannot be generated, built, flashed or launched."""


class DoesNotFitError(ProjectError):
    """A model or firmware does not fit the board's flash or RAM."""


class TransportError(TinyvidError):
    """The link to a board failed."""


class TransportClosed(TransportError):
    """The link to the board closed (board reset, unplugged, process ended)."""


class TransportTimeout(TransportError):
    """The board did not answer in time."""


class ProtocolError(TinyvidError):
    """The board answered something the protocol does not allow."""


class SuiteError(TinyvidError):
    """A regression suite file is invalid."""


class OutputPathError(TinyvidError):
    """A file or folder tinyvid is asked to write cannot be created or written."""

    def __init__(self, path, reason: str, hint: str | None = None):
        super().__init__(f"cannot write to {path}: {reason}", hint or "choose another output path")
        self.path = path
        self.reason = reason
