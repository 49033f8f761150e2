"""Hosted payment pages: one shared layout; each gateway builds its page with it."""
