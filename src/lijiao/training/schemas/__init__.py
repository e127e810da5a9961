"""Schemas of the training API, one module per API module (:mod:`lijiao.training.api`)."""
