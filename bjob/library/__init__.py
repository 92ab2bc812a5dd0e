"""bjob as a library: `bjob.Client`, the commands as methods (client.py), returning frozen
dataclasses whose `to_json()` is the command's `--json` (values.py)."""
