"""Payment Gateway Sandbox: a local stand-in for the TrustPay, EzPay and GoldenPay merchant APIs."""

__version__ = "0.1.0"
