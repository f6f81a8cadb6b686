"""The project's exception types.

Every error a user can cause derives from :class:`HorizonError`. Its message is one
line that names the file, field or command that fixes it; the CLI prints that line
and exits non-zero, without a traceback.
"""

from __future__ import annotations


class HorizonError(Exception):
    """Base of every error a user can cause and fix."""


class EngineUnavailable(HorizonError):
    """No Docker engine answers."""


class ImageMissing(HorizonError):
    """An image is not present and cannot be built or pulled here."""


class ImageBuildError(HorizonError):
    """Building an image failed; the message names the build log."""


class BadLimits(HorizonError):
    """Resource limits given to a sandbox are invalid."""


class SandboxError(HorizonError):
    """A sandbox could not be started or used (an infrastructure error)."""


class SessionDied(SandboxError):
    """The shell session inside a sandbox ended unexpectedly."""


class TaskError(HorizonError):
    """A task or suite directory is malformed; the message names the file and field."""


class ConfigError(HorizonError):
    """A configuration file or option is malformed; the message names the file and field."""


class RunError(HorizonError):
    """A run cannot go ahead (e.g. a different configuration under an existing run id)."""


class ClaimsFileError(HorizonError):
    """A claims file is missing, is not valid TOML, or breaks the claims schema.

    The message names the file and the field, e.g.
    ``claims.toml: claim[2].op: must be '>=' or '<='``.
    """


class DatasetError(HorizonError):
    """A dataset registry is malformed or unreachable, a dataset is unknown, or its tasks cannot be fetched."""


class EvalScriptError(HorizonError):
    """A SWE-bench eval script did not get its tests to run (its setup failed before the start
    marker, or no test result is in its log): an infrastructure error, never the agent's failure."""
