"""Detection: declared rules, peer baselines, context suppression and anomaly scores -> flags.

A flag is an indicator for a named human to review, never a finding.
"""
