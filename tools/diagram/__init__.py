"""Mermaid diagrams of every workflow's state machine, drawn from the components' pure definition builders."""
