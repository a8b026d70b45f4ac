"""The organization's own newsroom feed (RSS or Atom): a source of draft posts."""
