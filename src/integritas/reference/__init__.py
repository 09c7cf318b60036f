"""Reference documentation generated from the code: CLI reference, source register."""
