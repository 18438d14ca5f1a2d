"""Errors the core raises for users. The CLI turns each into one line on stderr and an exit code."""


class BwvError(Exception):
    """A problem the user can act on (bad input, missing file). Exit code 2 from the CLI."""

    exit_code = 2


class UsageError(BwvError):
    """The command was called wrongly."""


class StoreError(BwvError):
    """The workspace is missing, newer than this tool, or damaged."""


class MediaError(BwvError):
    """A media file is missing, unreadable, unsupported, or took too long to read."""


class WorkspaceBusy(StoreError):
    """Another program holds the workspace's write lock for longer than this action may wait."""


class WorkerLost(StoreError):
    """The workspace worker process stopped while a request was in flight: its outcome is unknown."""


class NotSaved(StoreError):
    """The connection to the workspace broke during a change, and the change is known not to have been saved:
    it can be tried again (a server restarted, a session cut).

    The message is the short plain reason a status line shows; ``detail`` is the driver's own words (which
    socket, which host, what failed), for a tooltip or a log, not for the line."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


class ConnectionLost(Exception):
    """Marker base: a server connection was lost (the adapter has reconnected or will on the next statement).

    Here, not in the PostgreSQL adapter, so that code that handles it need not import the driver. ``detail``: the
    driver's technical reason when the message is a plain one ("the server cannot be reached")."""

    detail = ""


class ChangedElsewhere(BwvError):
    """Someone else changed (or deleted) the event or review since it was read: nothing was written. Exit 1: the
    command was right, the data moved; read it again and decide."""

    exit_code = 1
