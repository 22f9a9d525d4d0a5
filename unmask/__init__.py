"""unmask: show a plausible face under a face mask. The output is a synthesized guess."""
