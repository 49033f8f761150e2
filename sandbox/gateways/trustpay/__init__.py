"""TrustPay (docs.trustpay.money): card and cashier pay-ins, payouts, card issuing."""
