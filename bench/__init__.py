"""Benchmarks with recorded results (bench/RESULTS.md); run with ``python -m bench [name ...]``."""
