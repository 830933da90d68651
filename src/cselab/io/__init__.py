"""Results that survive faults: complete-or-absent files (:mod:`.atomic`), one writer per
output (:mod:`.locks`, :mod:`.output_paths`) and tables read without a cut-short last line
(:mod:`.torn_lines`). docs/reliability.md lists the faults and what each command does."""
