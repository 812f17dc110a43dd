"""LambdaIterator: run a Lambda a given number of times, one iteration after the other, in a Choice loop."""

from .args import LambdaIteratorArgs
from .component import LambdaIterator
from .definition import definition

__all__ = ["LambdaIterator", "LambdaIteratorArgs", "definition"]
