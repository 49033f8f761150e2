"""The scriptable callback receiver: the product's `sandbox.testing.receiver`."""

from sandbox.testing.receiver import ACK, Received, Receiver, Reply, refused_port, run_receiver

__all__ = ["ACK", "Received", "Receiver", "Reply", "refused_port", "run_receiver"]
