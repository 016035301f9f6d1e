"""Server-rendered pages: each view parses the request, calls a query or an action, renders."""
