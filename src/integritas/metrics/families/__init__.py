"""Metric families: importing a module registers its metrics."""
