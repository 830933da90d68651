"""Embedding-space geometry (Xiao et al. 2023; Ethayarajh 2019; Timkey & van Schijndel 2021)."""
