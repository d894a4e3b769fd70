"""What code-discovery hits mean: pure logic, no IO beyond reading packaged data.

`catalogue` loads the signatures kept as data in `discovery/signatures/*.yaml`; `files`
gives each path its role and context; `formats` reads notebooks, MCP configs and model-file
magic; `manifests` parses package manifests and lock files; `detectors` applies the rules
that need code, with `indirect` (file detectors for AI named indirectly) and `evidence_rules`
(repository rules weighing evidence across files); `secrets` tells a real key from a rule or
placeholder; `noise` and `ignore` drop what is not AI use; `hits` is the raw match value.

May import only `discovery` itself; never `connectors`, `rag`, `gap` or `cli`.
"""
