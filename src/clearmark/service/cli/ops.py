"""Operator commands: ``health`` (a server's gRPC health, the container's HEALTHCHECK) and ``hash-key``."""

from __future__ import annotations

import argparse
import sys

import grpc

from clearmark.service.cli.backend import client_options
from clearmark.service.cli.verbs import EXIT_OK, EXIT_PROBLEMS


def cmd_health(args: argparse.Namespace) -> int:
    """Ask a server's gRPC health service: 0 SERVING, 1 not serving, 2 unreachable."""
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    if not args.server:
        raise ValueError("health needs --server HOST:PORT")
    options = client_options(args)
    credentials = options.credentials()
    channel = (
        grpc.secure_channel(args.server, credentials, options=options.channel_options())
        if credentials
        else grpc.insecure_channel(args.server, options=options.channel_options())
    )
    with channel:
        try:
            response, call = health_pb2_grpc.HealthStub(channel).Check.with_call(
                health_pb2.HealthCheckRequest(service=args.service), timeout=args.timeout
            )
        except grpc.RpcError as error:
            from clearmark.client.errors import error_from_rpc

            raise error_from_rpc(error) from None
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)
    version = dict(call.initial_metadata() or ())
    print(f"{status} ({version.get('clearmark-version', '?')}, build {version.get('clearmark-build', '?')})")
    return EXIT_OK if response.status == health_pb2.HealthCheckResponse.SERVING else EXIT_PROBLEMS


def cmd_hash_key(args: argparse.Namespace) -> int:
    """Print the at-rest form of an API key read from standard input, for ``api_key_hashes``."""
    from clearmark.service.auth import hash_api_key

    key = sys.stdin.readline().strip()
    if len(key) < 16:
        raise ValueError("an API key must be at least 16 characters")
    print(hash_api_key(key))
    return EXIT_OK


def add_parsers(
    sub: argparse._SubParsersAction, *, settings: argparse.ArgumentParser, calling: argparse.ArgumentParser
) -> None:
    """``health`` and ``hash-key``."""
    health_p = sub.add_parser("health", parents=[calling], help="check a server's gRPC health (exit 0 SERVING)")
    health_p.add_argument("--service", default="", help="service name to check (default: the whole server)")
    health_p.set_defaults(run=cmd_health, timeout=5.0)

    hash_p = sub.add_parser("hash-key", help="read an API key on stdin, print its hash for api_key_hashes")
    hash_p.set_defaults(run=cmd_hash_key)
