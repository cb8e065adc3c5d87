"""Reading entries: load the files, normalise and sanitise them into the model, cache the result."""
