"""What the request journal shows of bodies and headers: card numbers, CVVs and credentials
masked, also inside an EzPay `param` (JSON in a JSON string) and a GET query string."""

from __future__ import annotations

import json

from sandbox.masking import mask_headers, mask_text


def test_card_number_and_cvv_in_a_json_body() -> None:
    body = json.dumps({"card_number": "4111111111111111", "card_cvv": "123", "amount": "1.00"})
    masked = json.loads(mask_text(body))
    assert masked == {"card_number": "411111******1111", "card_cvv": "***", "amount": "1.00"}


def test_inside_a_json_string_param() -> None:
    param = json.dumps({"cardNumber": "5555555555554444", "cvv": "999", "mchOrderId": "A1"})
    outer = json.dumps({"appId": "x", "sign": "s", "param": param})
    inner = json.loads(json.loads(mask_text(outer))["param"])
    assert inner == {"cardNumber": "555555******4444", "cvv": "***", "mchOrderId": "A1"}


def test_query_string() -> None:
    assert mask_text("mch_id=1&api_token=abc&card_no=4000000000000002") == (
        "mch_id=1&api_token=***&card_no=400000******0002"
    )


def test_body_without_sensitive_fields_is_unchanged() -> None:
    body = '{"order_no":"4111111111111111","amount":"10.00"}'
    assert mask_text(body) == body


def test_credential_headers() -> None:
    headers = [("X-Api-Key", "tp_key"), ("Authorization", "Bearer t"), ("Content-Type", "a/b")]
    assert mask_headers(headers) == {
        "x-api-key": "***",
        "authorization": "***",
        "content-type": "a/b",
    }
