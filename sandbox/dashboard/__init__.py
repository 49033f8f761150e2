"""The live dashboard at `/_sandbox/`: server-rendered pages over the same functions as the admin
API, live updates over server-sent events, a login form when an admin token is set."""
