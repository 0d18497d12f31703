"""Benchmarks that measure Macrohard honestly: hidden tests score, they never steer."""
