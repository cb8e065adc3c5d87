"""publisher: Markdown news entries in; RSS 2.0, Atom 1.0, JSON Feed, a web archive and email digests out."""

__version__ = "0.1.0"
