"""The web app's parts: requests and responses, pages, and one module per route group."""
