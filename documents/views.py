"""No pages yet: the documents are exported and imported with management commands."""
