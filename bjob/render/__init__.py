"""Rendering: rich views for people, JSON for scripts, and the terminal safety both rely on.
Sees only the model: never the AWS side or the use cases."""
