"""API schemas of the certificates app, one module per concern (strict: :mod:`lijiao.core.schemas`)."""
