"""The original toolbox's experiment features, each run unchanged through `mle run` from a YAML
in the v0.3 style (numpy-only scripts): extra_cmd_line_input, .sh training scripts, pre- and
post-processing jobs, random_seeds lists, report_generation."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest
from cli_helpers import Project

# A v0.3 training script (MLExperiment): logs score = x * step * scale + seed, where `scale`
# comes from extra_cmd_line_input (default 1), and needs the file the pre-processing job
# writes when train_config.need_data is set.
TRAIN_V03 = textwrap.dedent(
    """\
    import os, sys
    import numpy as np
    from mle_toolbox import MLExperiment

    mle = MLExperiment(config_fname="base.yaml")
    extra = mle.extra_config or {}
    scale = float(extra.get("scale", 1.0))
    if mle.train_config.get("need_data"):
        data = os.path.join(os.environ["MLE_EXPERIMENT_DIR"], "data", "prepared.npy")
        scale *= float(np.load(data)[0])
    for step in range(1, 4):
        score = float(mle.train_config.x) * step * scale + mle.seed_id
        mle.update_log({"num_steps": step}, {"score": score}, save=True)
    """
)
BASE_YAML = textwrap.dedent(
    """\
    train_config:
        x: 1.0
    log_config:
        time_to_track: [num_steps]
        what_to_track: [score]
        experiment_dir: experiments/
    """
)


def v03_project(root: Path) -> Project:
    project = Project(root)
    (root / "train_v03.py").write_text(TRAIN_V03)
    (root / "base.yaml").write_text(BASE_YAML)
    (root / "data.yaml").write_text(BASE_YAML.replace("x: 1.0", "x: 1.0\n    need_data: 1"))
    return project


def write(project: Project, name: str, text: str) -> Path:
    path = project.root / name
    path.write_text(textwrap.dedent(text))
    return path


MULTI = """\
meta_job_args:
    project_name: compat
    experiment_type: multiple-configs
    base_train_fname: {script}
    base_train_config: {config}
    experiment_dir: experiments/
{extra_meta}
multi_config_args:
    config_fnames: [{config}]
    random_seeds: {seeds}
single_job_args:
    num_logical_cores: 1
    time_per_job: "00:00:05"
{job_args}
"""


def multi(
    script: str = "train_v03.py", config: str = "base.yaml", seeds: str = "[0]", **kw: str
) -> str:
    return MULTI.format(
        script=script,
        config=config,
        seeds=seeds,
        extra_meta=kw.get("extra_meta", ""),
        job_args=kw.get("job_args", ""),
    ) + kw.get("tail", "")


def scores(project: Project, exp: Path) -> dict[int, float]:
    doc = project.results(exp)
    assert all(j["state"] == "done" for j in doc["jobs"]), doc["jobs"]
    return {j["seed"]: j["score"] for j in doc["jobs"]}


def test_random_seeds_and_extra_cmd_line_input(tmp_path: Path) -> None:
    project = v03_project(tmp_path)
    extra = "    extra_cmd_line_input:\n        scale: 2\n"
    write(project, "exp.yaml", multi(seeds="[2, 5]", job_args=extra))
    project.mle("run", "exp.yaml")
    [exp] = project.experiments()
    # exactly the listed seeds; -scale 2 reached the script: score = 1 * 3 * 2 + seed
    assert scores(project, exp) == {2: 8.0, 5: 11.0}


def test_sh_training_script_runs_with_bash_and_the_same_arguments(tmp_path: Path) -> None:
    project = v03_project(tmp_path)
    write(
        project,
        "train.sh",
        """\
        echo "$@" >> sh-args.txt
        exec "$PYTHON" train_v03.py "$@"
        """,
    )
    write(project, "exp.yaml", multi(script="train.sh", seeds="[1, 3]"))
    project.mle("run", "exp.yaml", env={"PYTHON": sys.executable})
    [exp] = project.experiments()
    assert scores(project, exp) == {1: 4.0, 3: 6.0}
    args = sorted((project.root / "sh-args.txt").read_text().splitlines())
    assert len(args) == 2 and all(a.startswith("-config ") and " -exp_dir " in a for a in args)
    assert " -seed 1 " in args[0] and " -seed 3 " in args[1]


PRE_POST = """\
pre_processing_args:
    processing_fname: pre.py
    processing_job_args:
        num_logical_cores: 1
        time_per_job: "00:00:05"
    extra_cmd_line_input:
        value: {value}
post_processing_args:
    processing_fname: post.py
    processing_job_args:
        num_logical_cores: 1
        time_per_job: "00:00:05"
"""
PRE_PY = """\
import os, sys
import numpy as np
args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
with open("pre-count.txt", "a") as fh:
    fh.write(" ".join(sys.argv[1:]) + "\\n")
if float(args["-value"]) < 0:
    sys.exit("pre-processing refused a negative value")
os.makedirs(os.path.join(args["-exp_dir"], "data"), exist_ok=True)
np.save(os.path.join(args["-exp_dir"], "data", "prepared.npy"), np.array([float(args["-value"])]))
"""
POST_PY = """\
import glob, os, sys
args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
runs = sorted(glob.glob(os.path.join(args["-exp_dir"], "runs", "c*", "logs", "*.hdf5")))
with open("post-count.txt", "a") as fh:
    fh.write(f"{len(runs)}\\n")
"""


def test_pre_and_post_processing_jobs_around_the_runs(tmp_path: Path) -> None:
    project = v03_project(tmp_path)
    write(project, "pre.py", PRE_PY)
    write(project, "post.py", POST_PY)
    write(
        project,
        "exp.yaml",
        multi(config="data.yaml", seeds="[0, 1]", tail=PRE_POST.format(value=3)),
    )
    project.mle("run", "exp.yaml")
    [exp] = project.experiments()
    # the runs read what the pre-processing job wrote: score = 1 * 3 * 3 + seed
    assert scores(project, exp) == {0: 9.0, 1: 10.0}
    [pre] = (project.root / "pre-count.txt").read_text().splitlines()
    assert pre == f"-exp_dir {exp} -value 3"
    assert (project.root / "post-count.txt").read_text().split() == ["2"]  # after both runs
    # resume: nothing runs again, the finished pre/post jobs included
    project.mle("resume", str(exp))
    assert len((project.root / "pre-count.txt").read_text().splitlines()) == 1
    assert (project.root / "post-count.txt").read_text().split() == ["2"]


def test_failed_pre_processing_stops_the_experiment(tmp_path: Path) -> None:
    project = v03_project(tmp_path)
    write(project, "pre.py", PRE_PY)
    write(project, "post.py", POST_PY)
    write(project, "exp.yaml", multi(config="data.yaml", tail=PRE_POST.format(value=-1)))
    res = project.mle("run", "exp.yaml", check=1)
    out = res.stdout + res.stderr
    assert "pre_processing" in out and "refused a negative value" in out  # its stderr tail
    [exp] = project.experiments()
    assert not (exp / "runs" / "c000-s0").exists()  # no run started
    assert not (project.root / "post-count.txt").exists()


def test_random_seeds_of_a_v03_grid_search(tmp_path: Path) -> None:
    project = v03_project(tmp_path)
    write(
        project,
        "search.yaml",
        """\
        meta_job_args:
            project_name: grid
            experiment_type: hyperparameter-search
            base_train_fname: train_v03.py
            base_train_config: base.yaml
            experiment_dir: experiments/
        param_search_args:
            search_logging:
                reload_log: false
                verbose_log: true
                max_objective: true
                problem_type: final
                eval_metrics: score
            search_resources:
                num_search_batches: 1
                num_evals_per_batch: 2
                random_seeds: [2]
            search_config:
                search_type: Grid
                search_params:
                    real:
                        x:
                            begin: 1
                            end: 2
                            bins: 2
        single_job_args:
            num_logical_cores: 1
            time_per_job: "00:00:05"
        """,
    )
    project.mle("run", "search.yaml")
    [exp] = project.experiments()
    doc = project.results(exp)
    assert sorted((j["seed"], j["score"]) for j in doc["jobs"]) == [(2, 5.0), (2, 8.0)]


def test_report_generation_writes_the_report_at_the_end(tmp_path: Path) -> None:
    project = v03_project(tmp_path)
    write(project, "exp.yaml", multi(extra_meta="    report_generation: true"))
    project.mle("run", "exp.yaml")
    [exp] = project.experiments()
    assert (exp / "report" / "report.md").is_file() and (exp / "report" / "report.html").is_file()


# x = 1 scores 3, 13, 23 over seeds 0..2 (mean 13, p10 5); x = 2 scores 6 on every seed
TRAIN_NOISY = """\
from mle_toolbox import MLExperiment

mle = MLExperiment(config_fname="base.yaml")
x = float(mle.train_config.x)
score = 3 * x + (10 * mle.seed_id if x < 1.5 else 0)
mle.update_log({"num_steps": 1}, {"score": score}, save=True)
"""
SEARCH_AGG = """\
meta_job_args:
    project_name: agg
    experiment_type: hyperparameter-search
    base_train_fname: noisy.py
    base_train_config: base.yaml
    experiment_dir: experiments/
param_search_args:
    search_logging:
        reload_log: false
        verbose_log: true
        max_objective: true
        problem_type: final
        eval_metrics: score
        {aggregate}
    search_resources:
        num_search_batches: 1
        num_evals_per_batch: 2
        num_seeds_per_eval: 3
    search_config:
        search_type: Grid
        search_params:
            real:
                x:
                    begin: 1
                    end: 2
                    bins: 2
single_job_args:
    num_logical_cores: 1
    time_per_job: "00:00:05"
"""


def test_aggregate_seeds_ranks_by_a_percentile_mean_by_default(tmp_path: Path) -> None:
    project = v03_project(tmp_path)
    write(project, "noisy.py", TRAIN_NOISY)
    for aggregate in ("", "aggregate_seeds: p10"):
        write(project, "search.yaml", SEARCH_AGG.format(aggregate=aggregate))
        project.mle("run", "search.yaml", "--name", aggregate.split(": ")[-1] or "mean")
    exps = {p.name.rsplit("_", 1)[-1]: p for p in project.experiments()}
    for name, best_x in (("mean", 1.0), ("p10", 2.0)):
        doc = project.results(exps[name])
        assert list(doc["best"]["params"].values()) == [best_x], name
        log = [
            json.loads(line) for line in (exps[name] / "hyper_log.jsonl").read_text().splitlines()
        ]
        told = {next(iter(r["params"].values())): r["score"] for r in log}
        assert told[1.0] == (13.0 if name == "mean" else pytest.approx(5.0)), name


def test_failed_post_processing_exits_1_after_the_results(tmp_path: Path) -> None:
    project = v03_project(tmp_path)
    write(project, "pre.py", PRE_PY)
    write(project, "post.py", "import sys\nsys.exit('post-processing broke')\n")
    write(project, "exp.yaml", multi(config="data.yaml", tail=PRE_POST.format(value=2)))
    res = project.mle("run", "exp.yaml", check=1)
    assert "post_processing" in res.stderr + res.stdout
    assert "post-processing broke" in res.stderr + res.stdout
    [exp] = project.experiments()
    assert scores(project, exp) == {0: 6.0}  # the runs finished; their results are written
    assert (exp / "results.json").is_file()
