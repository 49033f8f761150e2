"""The emulated gateways. Every gateway folder has the same shape."""

GATEWAYS: tuple[str, ...] = ("trustpay", "ezpay", "goldenpay")
