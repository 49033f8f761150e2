"""The emulated gateways: one folder per gateway, each exporting a `GatewayPlug` from `plug.py`."""
