"""The use cases: load, list and follow jobs. Plain functions and classes that take clients,
streams, clock and sleep as parameters and return data; they never print."""
