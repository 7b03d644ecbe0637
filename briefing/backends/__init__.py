"""Model backends: the Generator and Embedder protocols, one factory, and the implementations.

`base.load_generator` / `base.load_embedder` build any profile of models.yaml; every command goes
through them. `transformers` runs models in this process; `weights` fetches, checks and converts
weight files.
"""
