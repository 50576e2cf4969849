"""Figures: the campaign's plots, the deposition plots and OVITO renders."""
