"""Derived inputs of bench/sparse_transformations.sh from a simulated movie and its pose:
    python3 bench/sta_inputs.py MOVIE.npy POSE.npy OUT_PREFIX
writes OUT_PREFIX_blur.npy (each frame blurred by a Gaussian of 1.5 pixels, periodic FFT
convolution: smoother frames whose moves a fully connected autoencoder resolves) and
OUT_PREFIX_pose.npy (the pose as features: x / 3, y / 3, 5 log radius, cos angle, sin angle)."""
import sys

import numpy as np

movie, pose = np.load(sys.argv[1]), np.load(sys.argv[2])
n = movie.shape[-1]
k = np.fft.fftfreq(n)
g = np.exp(-2 * (np.pi * 1.5) ** 2 * (k[:, None] ** 2 + k[None, :] ** 2))
np.save(sys.argv[3] + "_blur.npy", np.real(np.fft.ifft2(np.fft.fft2(movie) * g)).astype(np.float32))
features = np.stack([pose[:, 0] / 3, pose[:, 1] / 3, 5 * np.log(pose[:, 2]), np.cos(pose[:, 3]), np.sin(pose[:, 3])], 1)
np.save(sys.argv[3] + "_pose.npy", features.astype(np.float32))
