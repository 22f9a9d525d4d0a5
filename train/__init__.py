"""Reproduces every model ``unmask`` ships: ``python -m train prepare|fit|evaluate``."""
