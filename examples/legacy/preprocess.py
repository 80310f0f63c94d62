"""A pre-processing job (mle-toolbox v0.3 style): runs once before all training runs.

`mle run` calls it as ``python legacy/preprocess.py -exp_dir <experiment folder> -num_points N``
(the keys of ``pre_processing_args.extra_cmd_line_input``). It writes a data set the runs
could share into ``<experiment folder>/data/``. numpy only.
"""

import argparse
import os

import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("-exp_dir", required=True)
parser.add_argument("-num_points", type=int, default=100)
args = parser.parse_args()

rng = np.random.default_rng(0)
data = rng.normal(size=(args.num_points, 2))
os.makedirs(os.path.join(args.exp_dir, "data"), exist_ok=True)
np.save(os.path.join(args.exp_dir, "data", "points.npy"), data)
print(f"wrote {args.num_points} points to {args.exp_dir}/data/points.npy")
