"""Synthetic organisations and benchmarks (issue: enterprise scale)."""
