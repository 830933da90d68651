"""cselab: contrastive sentence-representation learning, measured.

Train sentence encoders with the field's objectives, measure the geometry of their
embedding spaces layer by layer (Xiao et al. 2023), explain training through the
gradients of the objectives (Li et al. 2024), and evaluate on STS.
"""

__version__ = "0.1.0"
