"""Scores trained runs on a held-out transformation movie (bench/sparse_transformations.sh):
    python3 bench/sta_eval.py MOVIE.npy MOVES.npy RUN_DIR..."""
import sys

import numpy as np

import dynae

movie, moves = np.load(sys.argv[1]), np.load(sys.argv[2])
names = dynae.simulate("transformations", steps=2, frame_size=16).primitives
for run in sys.argv[3:]:
    model = dynae.load(run + "/model.pt")
    r = dynae.transformations(model, movie, 1, moves[:, 0] if model.flow_field_count else None)
    line = (f"{run}: {model.name} held-out next frame: mse {r.next_frame_mse:.5f}, relative to no change "
            f"{r.next_frame_relative_error:.3f}, log-likelihood {r.next_frame_log_likelihood:.4f} per value, "
            f"KL {r.next_frame_kl:.2f} nats, evidence bound {r.next_frame_elbo:.4f} per value")
    if model.flow_field_count:
        carry = ", ".join(f"{names[c['label']]} -> field {c['field']} ({c['share']:.2f})" for c in r.primitive_carry)
        line += (f"; active fields {r.active_fields:.2f}, latent equivariance error "
                 f"{r.latent_equivariance_error:.3f}; carried by: {carry}")
    print(line)
