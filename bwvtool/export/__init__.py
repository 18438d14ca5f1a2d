"""Research outputs of a coded sample: datasets, ELAN files, pseudonymisation, reliability and sequences.

The API the command line calls::

    export_sample(ws, sample_id, "out/", ExportOptions(fmt="csv", key_file=Path("force.key")))   # run
    generate_key_file("force.key"); load_key_file("force.key")                                   # pseudonym
    import_eaf(ws, ["clip.eaf"], coder="alice", sample_id=3, key_file="force.key")              # eaf_import
    sample_reliability(ws, sample_id); sample_transitions(ws, sample_id, by_actor=True)          # coded

Modules: :mod:`.tables` (columns as data, CSV/TSV/JSONL writers, formula neutralising), :mod:`.context`
(options and privacy rules), :mod:`.dataset` (clips, reviews, events), :mod:`.summary` (per-clip summary),
:mod:`.eaf` / :mod:`.eaf_read` (ELAN writing and reading), :mod:`.figures` (terminal tables). SQL lives in
:mod:`bwvtool.store.exports`.
"""
