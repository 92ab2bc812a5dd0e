"""The model a user means: an id, an ARN, an inference profile, a display name, or an
unambiguous part of one, resolved to the base model id that jobs, formats and quotas belong
to. The one resolver every command that takes --model uses."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from bjob.support.exits import BjobError, ExitCode

# Cross-region inference profiles put a geography before the base id; provisioned-only
# variants put a context size after it ("...-v1:0:48k"): jobs and quotas are the base id's.
_PROFILE_PREFIX = re.compile(r"^(us|eu|apac|global|jp|au|ca|us-gov)\.")
_VARIANT_SUFFIX = re.compile(r"(?<=:\d):\d+k$|(?<=:\d\d):\d+k$")
# What an id or ARN looks like, as opposed to a name ("haiku", "Claude 3 Haiku").
_ID_LIKE = re.compile(r"^(arn:aws[a-z-]*:bedrock:|[a-z0-9-]+\.[a-z0-9])")
MATCHES_LISTED = 8


def base_model_id(model_id: str) -> str:
    """ "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-...:0",
    "us.anthropic.claude-3-haiku-...:0" and "anthropic.claude-3-haiku-...:0:48k" are all
    "anthropic.claude-3-haiku-...:0"."""
    name = model_id.rsplit("/", 1)[-1] if model_id.startswith("arn:") else model_id
    return _VARIANT_SUFFIX.sub("", _PROFILE_PREFIX.sub("", name))


def looks_like_an_id(text: str) -> bool:
    return bool(_ID_LIKE.match(text))


@dataclass(frozen=True)
class ResolvedModel:
    given: str
    model_id: str  # the base model id
    name: str | None  # its display name, when the region's model list was read

    @property
    def for_jobs(self) -> str:
        """The model id a job is created with: an ARN or an inference profile as given
        (jobs run through it); anything else, a name or a provisioned-only variant among
        them, the base model id the resolver found."""
        given = self.given.strip()
        if given.startswith("arn:") or _PROFILE_PREFIX.match(given):
            return given
        return self.model_id


def resolve_model(text: str, names: Mapping[str, str] | None) -> ResolvedModel:
    """The base model `text` means, among the region's foundation models (id -> display
    name; None when they could not be listed: then only an id or ARN resolves). Several
    matches, or none, are a usage error that says what was looked for."""
    text = text.strip()
    if not text:
        raise BjobError("--model: empty", ExitCode.USAGE)
    base = base_model_id(text)
    if names is None:
        if looks_like_an_id(text):
            return ResolvedModel(text, base, None)
        raise BjobError(
            f"--model {text!r}: a name needs the region's model list "
            "(bedrock:ListFoundationModels), which could not be read",
            ExitCode.USAGE,
            hint="give the model id, e.g. anthropic.claude-3-haiku-20240307-v1:0",
        )
    bases: dict[str, str] = {}  # base id -> name, variants folded into their base
    for model_id, name in names.items():
        bases.setdefault(base_model_id(model_id), name)
    if base in bases:
        return ResolvedModel(text, base, bases[base])
    lowered = text.lower()
    exact = [model_id for model_id, name in bases.items() if name.lower() == lowered]
    found = exact or [
        model_id
        for model_id, name in bases.items()
        if lowered in name.lower() or lowered in model_id.lower()
    ]
    if len(found) == 1:
        return ResolvedModel(text, found[0], bases[found[0]])
    if found:
        listed = ", ".join(f"{bases[m]} ({m})" for m in sorted(found)[:MATCHES_LISTED])
        more = len(found) - MATCHES_LISTED
        raise BjobError(
            f"--model {text!r} matches {len(found)} models: {listed}"
            + (f" and {more} more" if more > 0 else ""),
            ExitCode.USAGE,
            hint="give more of the name, or the model id",
        )
    if looks_like_an_id(text):  # an id the region does not list (yet): taken as given
        return ResolvedModel(text, base, None)

    close = difflib.get_close_matches(lowered, [name.lower() for name in bases.values()], 3, 0.5)
    hint = f"did you mean {' or '.join(repr(name) for name in close)}?" if close else None
    raise BjobError(
        f"--model {text!r}: no foundation model in the region is called that",
        ExitCode.USAGE,
        hint=hint or "bjob quotas lists the region's models",
    )
