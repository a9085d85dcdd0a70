"""The pure planning engine: plain values in, plain values out; no Django, no I/O."""
