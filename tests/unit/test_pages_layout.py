"""The hosted pages' shared layout: everything escaped, a form only while there are actions."""

from sandbox.pages.layout import Button, Field, Notice, Page, render_page


def test_a_page_with_a_form_escapes_every_value() -> None:
    page = Page(
        gateway="TrustPay",
        title="Pay order <ORD-1>",
        amount="20.00 USD",
        facts=[("Merchant", "8820250900009"), ("Order", "a'b\"<c>")],
        notice=Notice("declined & logged", "bad"),
        fields=[Field("card_number", "Card number", "4111111111111111")],
        buttons=[Button("pay", "Pay"), Button("cancel", "Cancel", "secondary")],
        action_url="/_sandbox/pay/trustpay/x?a=1&b=2",
    )
    html = render_page(page).body.decode()
    assert "<title>Pay order &lt;ORD-1&gt; · TrustPay sandbox</title>" in html
    assert "a&#x27;b&quot;&lt;c&gt;" in html
    assert "<div class='notice bad' role='status'>declined &amp; logged</div>" in html
    assert "action='/_sandbox/pay/trustpay/x?a=1&amp;b=2'" in html
    assert "name='card_number' type='text' value='4111111111111111'" in html
    assert html.count("<button") == 2 and "value='cancel'>Cancel</button>" in html
    assert "<script" not in html


def test_a_final_page_has_no_form_and_keeps_its_status_code() -> None:
    response = render_page(Page(gateway="EzPay", title="Paid", amount="100.00 PHP"), 404)
    html = response.body.decode()
    assert response.status_code == 404
    assert "<form" not in html and "Paid" in html


def test_qr_codes_are_real_svg_qr_codes_of_the_payload() -> None:
    import io

    import segno

    from sandbox.pages.qr import qr_svg_response

    payload = "Vietcombank 970436\n0071000123456"
    response = qr_svg_response(payload)
    assert response.media_type == "image/svg+xml"
    expected = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(
        expected, kind="svg", scale=4, border=4, xmldecl=False, nl=False
    )
    assert bytes(response.body) == expected.getvalue()
    assert expected.getvalue().startswith(b"<svg")
