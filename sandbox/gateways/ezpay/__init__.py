"""EzPay: the RSA-signed country Open API (Philippines, Indonesia, Malaysia, Thailand, Russia)."""
