"""Campaign configuration: composing campaign files (presets, ``extends``), validating them
against the schema and beyond it, potential presets and their fetched files, metals, and the
generated config reference."""
