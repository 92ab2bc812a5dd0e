"""The command layer: the Typer app, one module per command; parse, call a use case, render."""
