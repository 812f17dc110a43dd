"""The errors the job handlers raise; the state machine Catches `InvalidInput` by name."""


class InvalidInput(ValueError):
    """The execution input is not a job the simulated service accepts; the message names the field."""


class InvalidEvent(ValueError):
    """The state machine handed a handler an event it does not accept; the message names the field."""


class JobNotFound(LookupError):
    """The jobs table has no job with the id the check was given."""
