-- Other ways workers ask what a knowledge-base entry answers (the CSV's
-- optional variants column, and the questions merged into a published case),
-- one per line. The matcher indexes each as a wording of the entry.
ALTER TABLE kb_entries ADD COLUMN variants TEXT NOT NULL DEFAULT '';
