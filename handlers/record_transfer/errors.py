"""The error the seed handler raises for a bad event; the state machine's execution fails with it by name."""


class InvalidEvent(ValueError):
    """The event is not what the handler accepts; the message names the field."""
