"""JobPoller's Lambda code: submit a simulated job and check its status."""
