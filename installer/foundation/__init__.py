"""The ground floor: the product identity, where files live, safe file writes, ids,
boolean environment variables, command-line parsing and the errors meant for people.
Imports nothing else of doorstep."""
