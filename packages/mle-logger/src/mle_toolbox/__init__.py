"""Seed-compatible import path: ``from mle_toolbox.utils import get_configs_ready, DeepLogger``.

Shipped by mle-logger so training scripts written for the original toolbox run unchanged on a
compute node that has only mle-logger installed.
"""
