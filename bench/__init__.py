"""Benchmarks: the sandbox measured next to a baseline run in the same command.

`python -m bench` runs them all; `python -m bench startup` runs one.
"""
