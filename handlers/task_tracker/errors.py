"""The errors the task starter raises; each message says what to do."""


class InvalidEvent(ValueError):
    """The event is not what the handler accepts; the message names the field."""


class TaskStartPending(RuntimeError):
    """A concurrent call started this task's run, which has not recorded the task yet; try again shortly."""
