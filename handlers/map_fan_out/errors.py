"""The error every handler of this package raises for a bad event; a state machine can Catch it by name."""


class InvalidEvent(ValueError):
    """The event is not what the handler accepts; the message names the field."""
