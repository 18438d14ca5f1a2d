"""Timeline coding: events, the edits that make them (each with its inverse), and a coder's session on a clip."""
