"""Errors a user can cause. The CLI prints their message on one line and exits non-zero."""


class BriefingError(Exception):
    """Base class: the message says what went wrong and what to do."""

    exit_code = 2


class InputError(BriefingError):
    """The input folder is missing or unusable."""


class ConfigError(BriefingError):
    """models.yaml or a prompt template is invalid, or a profile name is unknown."""


class ModelNotReady(BriefingError):
    """A model profile's weights are not on this machine and could not be fetched."""


class WeightsMismatch(BriefingError):
    """Downloaded weights do not have the sha256 the profile names."""


class OutputError(BriefingError):
    """The briefing could not be written."""


class ServerUnavailable(BriefingError):
    """The server of an `openai` profile cannot be reached, refuses the key, or does not serve
    the profile's model. Its own exit code, so that a cron job can tell it from a usage error."""

    exit_code = 9
