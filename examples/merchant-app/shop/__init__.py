"""A small example merchant: a pay-in endpoint and a notify handler per gateway."""
