"""Raw press-release text to clean entries: decode, lines, sentences, dates, body, files."""
