"""The Qt window: thin widgets that collect input, call a service and show the result or the error."""
