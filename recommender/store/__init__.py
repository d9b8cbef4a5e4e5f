"""The index directory on disk: checked manifest, arrays, atomic writes, model card."""
