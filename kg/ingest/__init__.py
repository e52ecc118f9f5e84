"""Reading digest files: the Markdown and text formats, and text and URL normalisation."""
