"""A surrogate training run with two objectives (the original toolbox's toy_multi_objective)."""

from mle_toolbox import MLExperiment


def fake_training(lrate: float, batch_size: int, arch: str) -> tuple[float, float]:
    # best for lrate=0.2, batch_size=4, architecture "conv"
    f1 = (lrate - 0.2) ** 2 + (batch_size - 4) ** 2 + (0 if arch == "conv" else 10)
    # best for lrate=0.3, batch_size=2, architecture "mlp"
    f2 = (lrate - 0.3) ** 2 + (batch_size - 2) ** 2 + (0 if arch == "mlp" else 5)
    return f1, f2


def main(mle: MLExperiment) -> None:
    objective_1, objective_2 = fake_training(
        mle.train_config.lrate, mle.train_config.batch_size, mle.train_config.architecture
    )
    time_tick = {"step_counter": 10}
    stats_tick = {"objective_1": objective_1, "objective_2": objective_2}
    mle.update_log(time_tick, stats_tick, save=True)


if __name__ == "__main__":
    main(MLExperiment(config_fname="toy_config.yaml"))
