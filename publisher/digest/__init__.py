"""The email digest: select what is new, render it (Jinja2 -> MJML -> HTML + text), its state."""
