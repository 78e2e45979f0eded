"""Reports of a summary: JSON documents, Markdown, and the JSON Schemas they follow."""
