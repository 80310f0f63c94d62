#!/usr/bin/env bash
# A stand-in bash training script: gets -config, -seed, -exp_dir and the extra arguments.
echo "$@"
