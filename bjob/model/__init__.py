"""The model: frozen dataclasses for jobs and what bjob keeps of them, the pure functions that
build them, and the exit codes. No I/O, and nothing heavier than the standard library."""
