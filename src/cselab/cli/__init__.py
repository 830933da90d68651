"""The command line: one module per command; parsing only, the library does the work."""
