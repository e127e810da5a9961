"""Forms of the certificates screens, one module per concern: they parse input; the services decide."""
