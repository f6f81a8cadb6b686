"""Pulling a prebuilt image, and telling "no registry serves it" from a registry that failed."""

from __future__ import annotations

import logging
import re

import docker.errors
import requests.exceptions
from docker.utils import parse_repository_tag

from horizonbench.models.image import normalize_ref
from horizonbench.sandbox import engine

log = logging.getLogger(__name__)

# What the engine says when a registry has no such image, or when no registry answers at
# all (air-gapped hosts): the image is not served, and a task that ships environment/ is
# built instead. Anything else (auth refused, rate limits, a registry's 5xx, a full disk)
# is the registry or the engine failing, and is reported with its own words.
_ABSENT = re.compile(
    r"manifest unknown|not found|repository does not exist|pull access denied|name unknown"
    r"|no such host|connection refused|no route to host|network is unreachable|i/o timeout"
    r"|server misbehaving|dial tcp|tls: |x509: |context deadline exceeded|EOF$",
    re.IGNORECASE,
)


class PullFailed(Exception):
    """A pull did not give the image. ``absent``: no registry serves it (not found, or unreachable)."""

    def __init__(self, ref: str, reason: str, absent: bool) -> None:
        super().__init__(f"pulling {ref} failed: {reason}")
        self.ref, self.reason, self.absent = ref, reason, absent


def pull(ref: str) -> str:
    """Pull ``ref`` and return its image id.

    Raises:
        PullFailed: the registry does not serve it, cannot be reached, or failed.
    """
    repo, tag = parse_repository_tag(ref)
    api = engine.client().api
    log.info("pulling %s", ref)
    try:
        error = None
        for chunk in api.pull(repo, tag=tag or "latest", stream=True, decode=True):
            if "error" in chunk:  # errors after the response started come in the stream
                error = str(chunk["error"]).strip()
    except docker.errors.NotFound as exc:
        raise PullFailed(ref, _reason(exc), absent=True) from None
    except docker.errors.APIError as exc:
        reason = _reason(exc)
        raise PullFailed(ref, reason, absent=bool(_ABSENT.search(reason))) from None
    except (requests.exceptions.RequestException, OSError) as exc:
        raise PullFailed(ref, f"Docker engine: {exc}", absent=False) from None
    if error:
        raise PullFailed(ref, error[:300], absent=bool(_ABSENT.search(error)))
    try:
        return str(engine.client().images.get(ref).id)
    except docker.errors.ImageNotFound:
        raise PullFailed(ref, "the engine reported success but has no such image", absent=False) from None


def _reason(exc: docker.errors.APIError) -> str:
    text = str(exc.explanation or exc).strip()
    return (text.splitlines() or [type(exc).__name__])[0][:300]


def repo_digest(ref: str, image_id: str) -> str | None:
    """The repository digest (``name@sha256:...``) the engine records for ``ref``'s repository,
    or None for an image no registry gave (built or loaded here)."""
    try:
        attrs = engine.client().images.get(image_id).attrs
    except docker.errors.ImageNotFound:
        return None
    digests = [str(d) for d in attrs.get("RepoDigests") or []]
    repo = normalize_ref(ref).split("@")[0]
    repo = repo.rsplit(":", 1)[0] if ":" in repo.rsplit("/", 1)[-1] else repo
    for d in digests:
        if normalize_ref(d).split("@")[0] == repo:
            return d
    return None
