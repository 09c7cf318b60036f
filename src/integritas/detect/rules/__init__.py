"""Rule families: one module per family; each declares its rules and context suppressors."""
