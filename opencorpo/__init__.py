"""OpenCorpo: open-source corporate performance management (planning cubes that write back)."""

__version__ = "0.1.0"
