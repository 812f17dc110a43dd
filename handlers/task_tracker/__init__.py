"""TaskTracker's Lambda code: start a task's tracking workflow, or return the one already running."""
