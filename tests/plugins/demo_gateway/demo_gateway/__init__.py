"""DemoPay: the smallest complete gateway plug, in the same folder shape as the built-in ones.

    POST /demo/v1/payments             {"order_no", "amount", "currency"?, "notify_url"?}
    GET  /demo/v1/payments/{order_no}

Every request carries `X-Demo-Merchant` and `X-Demo-Key`. Errors answer
`{"ok": false, "error": {"code", "message"}}`; callbacks are JSON signed with an MD5 of the
body and the merchant secret, acknowledged by the text `OK`.
"""
