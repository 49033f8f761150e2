"""GoldenPay: collect and payout orders with token-prefixed MD5 signatures."""
