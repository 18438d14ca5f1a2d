"""Sampling plans and the draws they produce."""
