"""Orchestration: which proposed state transitions a run may make, decided in one place.

- `rules`: small rule functions, each one fact about allowed transitions.
- `policy`: the ordered rule lists for flow runs and task runs, and `decide()`.
- `timing`: the run fields kept up to date by an accepted transition.
- `transition`: the transaction that proposes a state and writes the outcome.
- `concurrency_rules`: task tag (v1) limits around the task run chain.
- `deployment_concurrency`: deployment limits for flow runs entering Pending, joined to
  every flow run proposal by `transition`.
"""
