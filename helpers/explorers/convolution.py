"""Explorers for notebook 01 (convolution). Filled in with the notebook."""
