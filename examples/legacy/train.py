"""A training script written for mle-toolbox v0.3 (``MLExperiment``), numpy only.

Noisy gradient descent on a quadratic (minimum at theta = 0): the learning rate and the batch
size (less gradient noise) decide how low the loss gets.
"""

import numpy as np
from mle_toolbox import MLExperiment


def sgd_step(theta, lrate, batch_size, rng):
    """One gradient step on sum(theta**2) with batch noise."""
    noise = rng.normal(0.0, 1.0 / np.sqrt(batch_size), size=theta.shape)
    return theta - lrate * (2.0 * theta + noise)


def main(mle):
    """Train, log every log_every_j_steps, checkpoint theta with each logged row."""
    rng = np.random.default_rng(mle.seed_id)
    # extra_cmd_line_input (e.g. -lrate_scale 0.5 from mle_bash_configs.yaml) lands here
    lrate = mle.train_config.lrate * float((mle.extra_config or {}).get("lrate_scale", 1.0))
    theta = np.array(mle.train_config.theta_init, dtype=float)
    for step in range(1, mle.train_config.num_steps + 1):
        theta = sgd_step(theta, lrate, mle.train_config.batch_size, rng)
        if mle.ready_to_log(step):
            train_loss = float(np.sum(theta**2))
            test_loss = train_loss + float(rng.uniform(0.0, 0.01))
            mle.update_log(
                {"num_steps": step},
                {"train_loss": train_loss, "test_loss": test_loss},
                model=theta,
                save=True,
            )
    mle.log.save_extra({"theta_final": theta.tolist()}, "theta_final.json")


if __name__ == "__main__":
    # -config, -seed and -exp_dir come from `mle run`; the default config is for a local try.
    mle = MLExperiment(config_fname="legacy/base_config_1.yaml")
    main(mle)
