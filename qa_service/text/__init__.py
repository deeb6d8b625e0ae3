"""Text tools every layer uses, each written once: script and language detection."""
