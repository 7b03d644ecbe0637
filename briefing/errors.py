"""Errors a user can cause, and the exit codes of the CLI. The CLI prints an error's message on
one line and exits with its code, so that a cron job's wrapper can tell the cases apart."""

from enum import IntEnum


class ExitCode(IntEnum):
    """What `briefing` returns (README, "Exit codes", lists the same table)."""

    OK = 0
    UNEXPECTED = 1  # a bug: the message asks for BRIEFING_DEBUG=1
    USAGE = 2  # bad option, input folder, config or profile name
    NOTHING_TO_DO = 3  # no article counts for the day briefed; nothing was written
    LOCK_HELD = 4  # another run holds the output folder's lock
    MODEL_UNAVAILABLE = 5  # a profile's weights are missing and could not be fetched
    PARTIAL = 6  # the briefing was written, but some inputs were skipped (listed in it)
    OUTPUT_FAILED = 7  # the briefing or the state could not be written; the previous ones stand
    STATE_FAILED = 8  # the state store cannot be read or repaired
    SERVER_UNAVAILABLE = 9  # a model server is down, refuses the key or lacks the model


class BriefingError(Exception):
    """Base class: the message says what went wrong and what to do."""

    exit_code: int = ExitCode.USAGE


class InputError(BriefingError):
    """The input folder is missing or unusable."""


class ConfigError(BriefingError):
    """models.yaml or a prompt template is invalid, or a profile name is unknown."""


class ModelNotReady(BriefingError):
    """A model profile's weights are not on this machine and could not be fetched."""

    exit_code = ExitCode.MODEL_UNAVAILABLE


class WeightsMismatch(BriefingError):
    """Downloaded weights do not have the sha256 the profile names."""

    exit_code = ExitCode.MODEL_UNAVAILABLE


class OutputError(BriefingError):
    """The briefing could not be written."""

    exit_code = ExitCode.OUTPUT_FAILED


class NothingToDo(BriefingError):
    """No article counts for the day briefed (none new since the last briefing)."""

    exit_code = ExitCode.NOTHING_TO_DO


class LockHeld(BriefingError):
    """Another run is writing into the same output folder."""

    exit_code = ExitCode.LOCK_HELD


class StateError(BriefingError):
    """The state store cannot be opened, read or written."""

    exit_code = ExitCode.STATE_FAILED


class ServerUnavailable(BriefingError):
    """The server of an `openai` profile cannot be reached, refuses the key, or does not serve
    the profile's model. Its own exit code, so that a cron job can tell it from a usage error."""

    exit_code = ExitCode.SERVER_UNAVAILABLE
