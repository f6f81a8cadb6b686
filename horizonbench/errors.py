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
