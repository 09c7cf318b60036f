"""`integritas demo`: the whole pipeline on a synthetic force, then the web observatory."""
