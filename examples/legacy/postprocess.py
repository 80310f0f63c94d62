"""A post-processing job (mle-toolbox v0.3 style): runs once after all training runs.

`mle run` calls it as ``python legacy/postprocess.py -exp_dir <experiment folder>
-figures_dir summary``. It reads every run's log with mle-logger and writes the final test
loss of each into ``<experiment folder>/<figures_dir>/final_losses.json``.
"""

import argparse
import glob
import json
import os

from mle_logger import load_log

parser = argparse.ArgumentParser()
parser.add_argument("-exp_dir", required=True)
parser.add_argument("-figures_dir", default="figures")
args = parser.parse_args()

final = {}
for run in sorted(glob.glob(os.path.join(args.exp_dir, "runs", "*", "logs"))):
    log = load_log(os.path.dirname(run))
    final[os.path.basename(os.path.dirname(run))] = float(log.stats.test_loss[-1])
out = os.path.join(args.exp_dir, args.figures_dir)
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "final_losses.json"), "w") as fh:
    json.dump(final, fh, indent=2)
print(f"final test loss of {len(final)} runs in {out}/final_losses.json")
