"""Write ``opinions_labelled.csv`` (run once: ``python -m renda.insight.labelled``; the file is then checked by hand)."""

import sys

from renda.insight.labelled import LABELLED_CSV, write_labelled

sys.stdout.write(f"{write_labelled()} rows written to {LABELLED_CSV}\n")
