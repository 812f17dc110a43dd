"""`python -m tools.bench`: download throughput, state transitions per item, scale and program cost, as ratios."""
