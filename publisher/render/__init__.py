"""Rendering the model: Jinja environment, feeds (RSS, Atom, JSON Feed) and the web archive pages."""
