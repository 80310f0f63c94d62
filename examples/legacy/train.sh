#!/bin/bash
# A .sh training script, as in the original's examples/bash_configs: `mle run` runs it with
# bash and the same arguments as a .py script (-config C -seed S -exp_dir D), followed by the
# YAML's extra_cmd_line_input (-lrate_scale 0.5 here). It hands everything to train.py;
# $PYTHON picks the interpreter (default: python on PATH).
echo "train.sh got: $*"
exec "${PYTHON:-python}" legacy/train.py "$@"
