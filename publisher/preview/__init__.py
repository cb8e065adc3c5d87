"""The live preview: a local server that rebuilds the site when a file changes and reloads the page."""
