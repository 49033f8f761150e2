"""The emulated gateways. Every gateway folder has the same shape (DESIGN §2)."""

GATEWAYS: tuple[str, ...] = ("trustpay", "ezpay", "goldenpay")
