"""Plots and the HTML report; both read tidy tables and compute no metric."""
