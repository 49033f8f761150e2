"""Scenarios: named YAML rule sets that decide how a gateway answers and what happens next.

`loader` reads and validates files, `vocabulary` holds what each gateway registers, `engine`
matches a request and returns a `Plan`, `selection` picks the scenarios, `library` finds the files.
"""
