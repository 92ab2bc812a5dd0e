"""bjob: Amazon Bedrock batch inference jobs, from a shell (the `bjob` command) or from
Python (`bjob.Client`, docs/library.md).

`import bjob` stays as cheap as the command's start-up: the library's modules (and boto3)
are imported when `bjob.Client` is first named.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bjob.version import __version__

if TYPE_CHECKING:
    from bjob.library.client import Client
    from bjob.support.exits import BjobError, ExitCode

__all__ = ["BjobError", "Client", "ExitCode", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "Client":
        from bjob.library.client import Client

        return Client
    if name in ("BjobError", "ExitCode"):
        from bjob.support import exits

        return getattr(exits, name)
    raise AttributeError(f"module 'bjob' has no attribute {name!r}")
