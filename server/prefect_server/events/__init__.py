"""Events: storage and queries (`store`, `filtering`, `counting`), state-change events
(`emit`, `reports`), and in-process delivery to websocket subscribers (`broker`, `stream`).
"""
