"""Setup artefacts generated from the declarations: the least-privilege policy and friends."""
