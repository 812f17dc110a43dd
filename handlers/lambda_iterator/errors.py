"""The errors the iterator's handlers raise; the state machine Catches `InvalidInput` by name."""


class InvalidInput(ValueError):
    """The execution input is not an iteration count the loop accepts; the message names the field."""


class InvalidEvent(ValueError):
    """The state machine handed a handler an event it does not accept; the message names the field."""
