"""LambdaIterator: run a Lambda a given number of times, one iteration after the other, in a Choice loop."""

from .args import LAMBDA_ITERATOR_HISTORY, LambdaIteratorArgs, LambdaIteratorSettings
from .component import LambdaIterator
from .definition import definition

__all__ = ["LAMBDA_ITERATOR_HISTORY", "LambdaIterator", "LambdaIteratorArgs", "LambdaIteratorSettings", "definition"]
