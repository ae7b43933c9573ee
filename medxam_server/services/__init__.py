"""Business logic of the server: takes a Session and keyword arguments, knows no HTTP."""
