"""Saved GetModelInvocationJob responses: what `aws bedrock get-model-invocation-job` prints."""

from __future__ import annotations

import json
from typing import Any, TextIO

from bjob.model.exits import BjobError, ExitCode


def read_saved_response(path: str, stdin: TextIO) -> dict[str, Any]:
    """Read one saved response from a file, or from stdin for "-"; usage errors (2) otherwise."""
    where = "standard input" if path == "-" else path
    try:
        if path == "-":
            text = stdin.read()
        else:
            with open(path, encoding="utf-8") as file:
                text = file.read()
    except FileNotFoundError:
        raise BjobError(f"{where}: no such file", ExitCode.USAGE) from None
    except IsADirectoryError:
        raise BjobError(f"{where}: is a directory", ExitCode.USAGE) from None
    except (OSError, UnicodeDecodeError) as error:
        raise BjobError(f"{where}: cannot be read: {error}", ExitCode.USAGE) from None
    try:
        data = json.loads(text)
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
