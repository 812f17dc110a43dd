"""The embedded sandbox: deploy the Pulumi program into an embedded AWS and run its workflows."""
