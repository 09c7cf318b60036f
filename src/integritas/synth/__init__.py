"""Synthetic force generator: realistic exports of every declared source, with ground truth."""
