"""Saved GetModelInvocationJob responses: what `aws bedrock get-model-invocation-job` prints."""

from __future__ import annotations

import json
from typing import Any, TextIO

from bjob.support.exits import BjobError, ExitCode

MAX_SAVED_CHARACTERS = 16 * 2**20


def source_name(path: str) -> str:
    """What a saved response is read from, as messages name it."""
    return "standard input" if path == "-" else path


def read_saved_response(path: str, stdin: TextIO) -> dict[str, Any]:
    """Read one saved response from a file, or from stdin for "-"; usage errors (2) otherwise."""
    where = source_name(path)
    try:
        if path == "-":
            text = stdin.read(MAX_SAVED_CHARACTERS + 1)
        else:
            with open(path, encoding="utf-8") as file:
                text = file.read(MAX_SAVED_CHARACTERS + 1)
    except FileNotFoundError:
        raise BjobError(f"{where}: no such file", ExitCode.USAGE) from None
    except IsADirectoryError:
        raise BjobError(f"{where}: is a directory", ExitCode.USAGE) from None
    except (OSError, UnicodeDecodeError) as error:
        raise BjobError(f"{where}: cannot be read: {error}", ExitCode.USAGE) from None
    if len(text) > MAX_SAVED_CHARACTERS:  # a job is a few KB; /dev/zero is endless
        raise BjobError(
            f"{where}: larger than {MAX_SAVED_CHARACTERS // 2**20} MB: not a saved job",
            ExitCode.USAGE,
        )
    try:
        data = json.loads(text)
    except RecursionError:
        raise BjobError(
            f"{where}: JSON nested too deeply to be a saved job", ExitCode.USAGE
        ) from None
    except json.JSONDecodeError as error:
        raise BjobError(
            f"{where}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})",
            ExitCode.USAGE,
        ) from None
    if not isinstance(data, dict):
        raise BjobError(
            f"{where}: expected a JSON object, as `aws bedrock get-model-invocation-job` prints",
            ExitCode.USAGE,
        )
    data.pop("ResponseMetadata", None)
    return data
