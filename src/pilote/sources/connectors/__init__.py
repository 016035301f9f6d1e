from .base import Connector, Param, Reading, SourceConfig, SourceError, connectors, get, register

__all__ = [
    "Connector",
    "Param",
    "Reading",
    "SourceConfig",
    "SourceError",
    "connectors",
    "get",
    "register",
]
