"""Synthetic street footage with exact ground truth, for gridwatch's replay tests and demo detector."""
