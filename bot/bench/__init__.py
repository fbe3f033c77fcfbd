"""Scale benchmark (``newsdigest bench --scale N``): synthetic stores and the figures measured on them."""
