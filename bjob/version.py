"""The version, in a module of its own: every layer may name it (the user agent, --version)
without importing the package's face (bjob/__init__.py, which names the library)."""

__version__ = "0.1.0"
