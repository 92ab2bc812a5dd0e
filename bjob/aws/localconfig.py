"""Reading the user's AWS configuration where botocore does not: AWS_REGION and friends from
the environment, and the profile names (for completion, without importing botocore)."""

from __future__ import annotations

import configparser
import os


def aws_variable(name: str) -> str | None:
    """An AWS_* environment variable, empty counted as unset: the one place bjob reads them
    (botocore reads the rest of the configuration itself)."""
    return os.environ.get(name) or None


def configured_profiles() -> list[str]:
    """Profiles in the AWS config and credentials files (honouring AWS_CONFIG_FILE...)."""
    config = aws_variable("AWS_CONFIG_FILE") or os.path.expanduser("~/.aws/config")
    credentials = aws_variable("AWS_SHARED_CREDENTIALS_FILE") or os.path.expanduser(
        "~/.aws/credentials"
    )
    profiles: set[str] = set()
    for path, prefixed in ((config, True), (credentials, False)):
        parser = configparser.RawConfigParser()
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError):
            continue
        for section in parser.sections():
            if prefixed and section.startswith("profile "):
                profiles.add(section.removeprefix("profile ").strip())
            elif section == "default" or not prefixed:
                profiles.add(section.strip())
    return sorted(profiles)
