"""LambdaIterator's Lambda code: read the iteration count, then do one iteration and count down."""
