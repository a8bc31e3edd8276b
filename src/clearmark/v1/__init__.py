"""Generated gRPC stubs for clearmark.v1 (scripts/gen_protos.py); do not edit."""
