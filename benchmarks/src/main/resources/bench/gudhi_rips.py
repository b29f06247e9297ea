"""Vietoris-Rips persistence of a point cloud with GUDHI (Debian's python3-gudhi), the anchor
PersistenceBenchmark compares our engine with on embedding clouds.

GUDHI builds the complex explicitly (a simplex tree up to dimension dim + 1, which homology in
dimension dim needs) and reduces it; the threshold is the same enclosing radius Ripser and our
engine use, beyond which nothing changes. Prints "key value" lines: the wall and CPU seconds spent
in GUDHI (distances, complex, expansion and persistence, not the Python start-up or the file read),
the number of simplices, and the number of bars of positive length in dimension dim (Ripser prints
only those).
"""
import argparse
import time

import gudhi
import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("--dim", type=int, required=True)
parser.add_argument("points")
args = parser.parse_args()

points = np.loadtxt(args.points, ndmin=2)
start, start_cpu = time.perf_counter(), time.process_time()
distances = np.sqrt(((points[:, None, :] - points[None, :, :]) ** 2).sum(axis=2))
threshold = distances.max(axis=1).min()
tree = gudhi.RipsComplex(points=points, max_edge_length=threshold).create_simplex_tree(max_dimension=args.dim + 1)
tree.compute_persistence(homology_coeff_field=2, min_persistence=0)
bars = tree.persistence_intervals_in_dimension(args.dim)
print("seconds", time.perf_counter() - start)
print("cpu", time.process_time() - start_cpu)
print("simplices", tree.num_simplices())
print("bars", sum(1 for birth, death in bars if death > birth))
