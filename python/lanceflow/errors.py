"""Exceptions raised by lanceflow. The message is the one line the `lanceflow` program prints after
"lanceflow: error: " for the same failure, with secrets replaced by "***"."""


class LanceflowError(Exception):
    """Any failure reported by lanceflow's native layer."""


class InvalidArgumentError(LanceflowError, ValueError):
    """Bad options, offsets, filters or identifiers."""


class NotFoundError(LanceflowError, LookupError):
    """A table, column, version or file that does not exist."""


class NotSupportedError(LanceflowError, NotImplementedError):
    """Valid input that needs a feature lanceflow or the source lacks."""


class AuthenticationError(LanceflowError, PermissionError):
    """Credentials the server rejected."""


class SourceIOError(LanceflowError, OSError):
    """A local file or network failure, or an error answered by the server."""


class CorruptDataError(LanceflowError):
    """Stored bytes that fail validation."""
