"""The service layer: policy, the verbs as pipelines, registry, config, keys, gRPC server and CLI."""
