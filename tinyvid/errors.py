"""The one error root of tinyvid.

Every error a user can cause is a :class:`TinyvidError` (or a subclass) carrying a
one-line message and a hint saying what to do. The CLI prints both and exits with
:data:`EXIT_ERROR`; a regression found by the harness exits with
:data:`EXIT_REGRESSION`. A traceback is shown only with ``--traceback``.
"""

from __future__ import annotations

import signal

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


class UsageError(TinyvidError):
    """Options or arguments that are missing, contradict each other or name
    something unusable: a mistake in how tinyvid was called."""


class PrefixError(UsageError):
    """The requested symbol prefix is not a usable C identifier."""


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
    """A model or firmware does not fit the board's flash or RAM; ``overflows`` maps
    each overflowing region (``FLASH``, ``RAM``) to the bytes it is over, when known."""

    def __init__(self, message: str, hint: str | None = None, *, overflows: dict[str, int] | None = None):
        super().__init__(message, hint)
        self.overflows: dict[str, int] = dict(overflows or {})


class ModelMismatchError(TinyvidError):
    """The firmware on a board was not built from the model it is checked against.

    ``board_hash`` is the model hash the firmware reports (empty when it reports
    none), ``model_hash`` the hash of the host's model (first 16 hex digits of its
    sha256), ``differences`` the facts (sizes, MACs, arena) that disagree."""

    def __init__(self, message: str, hint: str | None = None, *, board_hash: str = "", model_hash: str = "",
                 differences: tuple[str, ...] = ()):
        super().__init__(message, hint)
        self.board_hash = board_hash
        self.model_hash = model_hash
        self.differences = tuple(differences)


class TransportError(TinyvidError):
    """The link to a board failed."""


class TransportClosed(TransportError):
    """The link to the board closed (board reset, unplugged, process ended)."""


class TransportTimeout(TransportError):
    """The board did not answer in time."""


class ProtocolError(TinyvidError):
    """The board answered something the protocol does not allow."""


class BoardReset(ProtocolError):
    """The board printed its boot lines mid-session: it reset and lost its state."""


class OutOfStep(ProtocolError):
    """A reply did not belong to its command; the link has been resynchronised."""


class BoardBusy(TransportError):
    """The board's serial socket already has a client: a board serves one at a time."""

    def __init__(self, url: str, holder: str, since: str):
        super().__init__(f"{url} is in use: another client ({holder}) has held the board since {since}",
                         "close that client first (a board serves one client at a time), "
                         "or start another board with `tinyvid run PROJECT`")
        self.url = url
        self.holder = holder
        self.since = since


class UnmeasuredBudget(TinyvidError):
    """A budget names a metric the run did not measure: it can neither pass nor fail."""

    def __init__(self, metrics: tuple[str, ...], reported: tuple[str, ...], where: str, hint: str):
        names = ", ".join(metrics)
        super().__init__(f"budget on {names} cannot be checked: {where} does not report "
                         f"{'it' if len(metrics) == 1 else 'them'} (it reports {', '.join(reported) or 'nothing'})",
                         hint)
        self.metrics = tuple(metrics)
        self.reported = tuple(reported)


class Interrupted(KeyboardInterrupt):
    """tinyvid was told to stop by a signal (SIGINT, SIGTERM, SIGHUP).

    Like Ctrl-C it is no TinyvidError, so no handler of board errors takes it for a
    failed board and carries on; the run stops, keeping what it measured."""

    def __init__(self, signum: int):
        self.signum = signum
        self.signal_name = signal.Signals(signum).name
        super().__init__(f"interrupted by {self.signal_name}")


class SuiteError(TinyvidError):
    """A regression suite file is invalid."""


class FarmError(TinyvidError):
    """A board farm (labgrid coordinator, exporter or place) cannot be used."""


class PlaceBusy(FarmError):
    """A labgrid place stayed acquired by another user for longer than tinyvid waits."""

    def __init__(self, place: str, holder: str, waited: float):
        super().__init__(f"place {place} is held by {holder}: waited {waited:.0f} s for it",
                         f"ask {holder} to release it (labgrid-client -p {place} release), "
                         "or wait longer with --place-wait SECONDS")
        self.place = place
        self.holder = holder
        self.waited = waited


class PowerError(TinyvidError):
    """A power monitor cannot be named, opened or read, or its trace does not line
    up with the board's timed windows."""


class OutputPathError(TinyvidError):
    """A file or folder tinyvid is asked to write cannot be created or written."""

    def __init__(self, path, reason: str, hint: str | None = None):
        super().__init__(f"cannot write to {path}: {reason}", hint or "choose another output path")
        self.path = path
        self.reason = reason
