"""Deployments: what a worker does to get a deployment's code before running its flow.

`prefect.deployments.steps` holds the pull steps a deployment names in `pull_steps`
(`set_working_directory`, `git_clone`, `run_shell_script`) and `run_steps`, which runs
them in order. Nothing is imported here: `import prefect` does not load this package.
"""
